//! A tiny multilayer perceptron as an ONNX model: `y = relu(x·W1 + b1)·W2 + b2`, with
//! `x: [1, inputs]`, `W1: [inputs, hidden]`, `W2: [hidden, outputs]`. The weights are drawn
//! from a seed (so a test or an example makes the same model anywhere, with nothing to
//! download) and written as the protobuf bytes of an ONNX `ModelProto` (IR 8, opset 13: the
//! operators MatMul, Add and Relu), built with tract's own ONNX message types.
//! [`Mlp::reference`] computes the same network in plain Rust, the answer an engine must give.

use prost::Message as _;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::tensor_shape_proto::{Dimension, dimension};
use tract_onnx::pb::{
    GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
    TypeProto, ValueInfoProto, type_proto,
};

/// The network's sizes and weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    pub inputs: usize,
    pub hidden: usize,
    pub outputs: usize,
    /// `[inputs, hidden]`, row-major.
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    /// `[hidden, outputs]`, row-major.
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
}

/// xorshift64*: a small deterministic generator (weights only; nothing secret).
struct Draw(u64);

impl Draw {
    /// A value in [-1, 1), in steps of 1/1024 so every weight is exact in f32.
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 53;
        // bits < 2048
        (bits as f32 - 1024.0) / 1024.0
    }

    fn many(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

impl Mlp {
    /// A network of the given sizes with weights drawn from `seed`.
    pub fn from_seed(seed: u64, inputs: usize, hidden: usize, outputs: usize) -> Self {
        // A zero state would stay zero.
        let mut draw = Draw(seed ^ 0x9E37_79B9_7F4A_7C15);
        Self {
            inputs,
            hidden,
            outputs,
            w1: draw.many(inputs * hidden),
            b1: draw.many(hidden),
            w2: draw.many(hidden * outputs),
            b2: draw.many(outputs),
        }
    }

    /// The ONNX model's protobuf bytes (what a seller publishes, encrypted, as a version).
    pub fn onnx_bytes(&self) -> Vec<u8> {
        let (i, h, o) = (self.inputs as i64, self.hidden as i64, self.outputs as i64);
        let graph = GraphProto {
            name: "floe-tiny-mlp".to_owned(),
            node: vec![
                node("MatMul", &["x", "w1"], "xw1"),
                node("Add", &["xw1", "b1"], "h"),
                node("Relu", &["h"], "relu"),
                node("MatMul", &["relu", "w2"], "hw2"),
                node("Add", &["hw2", "b2"], "y"),
            ],
            initializer: vec![
                tensor("w1", &[i, h], &self.w1),
                tensor("b1", &[h], &self.b1),
                tensor("w2", &[h, o], &self.w2),
                tensor("b2", &[o], &self.b2),
            ],
            input: vec![value_info("x", &[1, i])],
            output: vec![value_info("y", &[1, o])],
            ..Default::default()
        };
        ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: 13,
            }],
            producer_name: "floe-compute".to_owned(),
            graph: Some(graph),
            ..Default::default()
        }
        .encode_to_vec()
    }

    /// The network computed in plain Rust (f32, the same order of sums as a dot product
    /// left to right): what running the ONNX model on `x` must give, up to rounding.
    pub fn reference(&self, x: &[f32]) -> Vec<f32> {
        assert_eq!(x.len(), self.inputs, "one input row");
        let hidden: Vec<f32> = (0..self.hidden)
            .map(|j| {
                let sum: f32 = (0..self.inputs)
                    .map(|k| x[k] * self.w1[k * self.hidden + j])
                    .sum();
                (sum + self.b1[j]).max(0.0)
            })
            .collect();
        (0..self.outputs)
            .map(|j| {
                let sum: f32 = (0..self.hidden)
                    .map(|k| hidden[k] * self.w2[k * self.outputs + j])
                    .sum();
                sum + self.b2[j]
            })
            .collect()
    }
}

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
    NodeProto {
        op_type: op.to_owned(),
        name: output.to_owned(),
        input: inputs.iter().map(|s| (*s).to_owned()).collect(),
        output: vec![output.to_owned()],
        ..Default::default()
    }
}

fn tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: name.to_owned(),
        dims: dims.to_vec(),
        data_type: DataType::Float as i32,
        float_data: values.to_vec(),
        ..Default::default()
    }
}

fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(dimension::Value::DimValue(*d)),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.to_owned(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: DataType::Float as i32,
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}
