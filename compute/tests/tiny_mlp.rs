//! The tiny ONNX model runs through tract and gives the plain-Rust reference's answer.

use floe_compute::mlp::Mlp;
use floe_compute::{Engine, EngineError, output_hash, run_model, tensor};

#[test]
fn tract_runs_the_tiny_mlp_like_the_reference() {
    let mlp = Mlp::from_seed(7, 8, 16, 4);
    let engine = Engine::load(&mlp.onnx_bytes()).expect("the model loads");
    assert_eq!(engine.input_shape(), &[1, 8]);
    for seed in 0..5u64 {
        let x: Vec<f32> = (0..8)
            .map(|i| ((i as f32) - 3.5) * (seed as f32 + 1.0) / 4.0)
            .collect();
        let out = tensor::from_bytes(&engine.run(&tensor::to_bytes(&x)).expect("runs"))
            .expect("whole f32s");
        let want = mlp.reference(&x);
        assert_eq!(out.len(), 4);
        for (got, want) in out.iter().zip(&want) {
            assert!(
                (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
    }
}

#[test]
fn the_same_model_and_input_give_the_same_output_bytes() {
    let mlp = Mlp::from_seed(1, 8, 16, 4);
    let input = tensor::to_bytes(&[0.5; 8]);
    let a = run_model(&mlp.onnx_bytes(), &input).expect("runs");
    let b = run_model(&mlp.onnx_bytes(), &input).expect("runs");
    assert_eq!(output_hash(&a), output_hash(&b));
    let other = run_model(&Mlp::from_seed(2, 8, 16, 4).onnx_bytes(), &input).expect("runs");
    assert_ne!(output_hash(&a), output_hash(&other));
}

#[test]
fn wrong_input_size_and_garbage_models_are_refused() {
    let mlp = Mlp::from_seed(1, 8, 16, 4);
    let engine = Engine::load(&mlp.onnx_bytes()).expect("loads");
    assert!(matches!(
        engine.run(&tensor::to_bytes(&[1.0; 3])),
        Err(EngineError::InputSize {
            got: 3,
            expected: 8
        })
    ));
    assert!(matches!(
        engine.run(&[1, 2, 3]),
        Err(EngineError::Tensor(_))
    ));
    assert!(matches!(
        Engine::load(b"not a model"),
        Err(EngineError::Model(_))
    ));
}
