//! Runs an ONNX model with tract: the model's bytes are parsed, typed with the input shape the
//! graph declares, optimised once ([`Engine::load`]) and run on tensor blobs ([`Engine::run`]).

use tract_onnx::prelude::*;

use crate::tensor::{self, TensorError};

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the model is not an ONNX model tract can run: {0}")]
    Model(String),
    #[error(
        "the model declares no fixed input shape; floe compute runs models with one input of a fixed shape"
    )]
    InputShape,
    #[error("the input holds {got} values but the model takes {expected}")]
    InputSize { got: usize, expected: usize },
    #[error(transparent)]
    Tensor(#[from] TensorError),
    #[error("running the model failed: {0}")]
    Run(String),
}

/// A loaded, optimised model with its input shape.
pub struct Engine {
    plan: Arc<TypedRunnableModel>,
    input_shape: Vec<usize>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("input_shape", &self.input_shape)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Parses and optimises the ONNX model in `model` (protobuf bytes).
    pub fn load(model: &[u8]) -> Result<Self, EngineError> {
        let inference = tract_onnx::onnx()
            .model_for_read(&mut &model[..])
            .map_err(|e| EngineError::Model(format!("{e:#}")))?;
        let typed = inference
            .into_typed()
            .map_err(|e| EngineError::Model(format!("{e:#}")))?;
        let fact = typed
            .input_fact(0)
            .map_err(|e| EngineError::Model(format!("{e:#}")))?;
        let input_shape: Vec<usize> = fact
            .shape
            .as_concrete()
            .ok_or(EngineError::InputShape)?
            .to_vec();
        let plan = typed
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(|e| EngineError::Model(format!("{e:#}")))?;
        Ok(Self { plan, input_shape })
    }

    /// The shape of the model's input.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Runs the model on `input` (a tensor blob) and returns its first output as a blob.
    pub fn run(&self, input: &[u8]) -> Result<Vec<u8>, EngineError> {
        let values = tensor::from_bytes(input)?;
        let expected: usize = self.input_shape.iter().product();
        if values.len() != expected {
            return Err(EngineError::InputSize {
                got: values.len(),
                expected,
            });
        }
        let x = Tensor::from_shape(&self.input_shape, &values)
            .map_err(|e| EngineError::Run(format!("{e:#}")))?;
        let outputs = self
            .plan
            .run(tvec!(x.into_tvalue()))
            .map_err(|e| EngineError::Run(format!("{e:#}")))?;
        let y = outputs
            .first()
            .ok_or_else(|| EngineError::Run("the model has no output".to_owned()))?;
        let view = y
            .to_plain_array_view::<f32>()
            .map_err(|e| EngineError::Run(format!("the output is not f32: {e:#}")))?;
        let values: Vec<f32> = view.iter().copied().collect();
        Ok(tensor::to_bytes(&values))
    }
}

/// Loads `model` and runs it once on `input`.
pub fn run_model(model: &[u8], input: &[u8]) -> Result<Vec<u8>, EngineError> {
    Engine::load(model)?.run(input)
}
