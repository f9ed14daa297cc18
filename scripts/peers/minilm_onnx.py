"""The Python peer of storyline's all-MiniLM-L6-v2: the same model files (models/minilm:
model.safetensors, tokenizer.json, config.json) run by onnxruntime, as sentence-transformers runs
it (batches of 32 texts of similar length, padded, with an attention mask; mean pooling over
the mask; L2 norm).

No package ships this model as an ONNX file at full precision, so the encoder graph is written
here with the `onnx` helpers from the safetensors weights (a 6-layer post-norm BERT: embeddings,
self-attention, erf-GELU feed-forward), and onnxruntime optimises it as it loads it.

Usage: minilm_onnx.py MODEL_DIR VECTORS.jsonl THREADS
  VECTORS.jsonl: `storyline bench embed --write-vectors` output, one {"sentence", "vector"} a
  line. Embeds the same sentences, prints one JSON line: sentences, seconds, sentences/s,
  threads, and the cosine between each sentence's two vectors (mean, min).
"""
import json
import math
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file
from tokenizers import Tokenizer

BATCH = 32


def build_graph(model_dir):
    config = json.load(open(f"{model_dir}/config.json"))
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    layers, eps = config["num_hidden_layers"], config["layer_norm_eps"]
    head = hidden // heads
    weights = load_file(f"{model_dir}/model.safetensors")
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
    inits, nodes = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def w(name):
        return weights[prefix + name].astype(np.float32)

    counter = [0]

    def node(op, inputs, **attrs):
        counter[0] += 1
        out = f"{op}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x, name):
        return node("Add", [node("MatMul", [x, init(name + ".wT", w(name + ".weight").T)]), init(name + ".b", w(name + ".bias"))])

    def norm(x, name):
        return node("LayerNormalization", [x, init(name + ".g", w(name + ".weight")), init(name + ".b", w(name + ".bias"))],
                    axis=-1, epsilon=eps)

    # Embeddings: word + position (0..T) + token type 0.
    words = node("Gather", [init("words", w("embeddings.word_embeddings.weight")), "input_ids"])
    length = node("Gather", [node("Shape", ["input_ids"]), init("one", np.array([1], np.int64))])
    positions = node("Slice", [init("positions", w("embeddings.position_embeddings.weight")),
                               init("zero", np.array([0], np.int64)), length, init("axis0", np.array([0], np.int64))])
    token_type = init("token_type", w("embeddings.token_type_embeddings.weight")[0])
    x = norm(node("Add", [node("Add", [words, positions]), token_type]), "embeddings.LayerNorm")

    # Padding is masked out of attention with a large negative bias, [B, 1, 1, T].
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", [init("f1", np.array(1.0, np.float32)), mask]), init("neg", np.array(-10000.0, np.float32))])
    bias = node("Unsqueeze", [bias, init("axes12", np.array([1, 2], np.int64))])
    split = init("split", np.array([0, 0, heads, head], np.int64))
    merge = init("merge", np.array([0, 0, hidden], np.int64))
    scale = init("scale", np.array(1.0 / math.sqrt(head), np.float32))
    for layer in range(layers):
        p = f"encoder.layer.{layer}."

        def heads_of(name, perm):
            return node("Transpose", [node("Reshape", [linear(x, p + name), split])], perm=perm)

        q = heads_of("attention.self.query", [0, 2, 1, 3])
        k = heads_of("attention.self.key", [0, 2, 3, 1])
        v = heads_of("attention.self.value", [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        context = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), merge])
        x = norm(node("Add", [linear(context, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm")
        up = linear(x, p + "intermediate.dense")
        gelu = node("Mul", [node("Mul", [up, node("Add", [node("Erf", [node("Div", [up, init(f"sqrt2_{layer}", np.array(math.sqrt(2), np.float32))])]),
                                                          init(f"one_{layer}", np.array(1.0, np.float32))])]),
                            init(f"half_{layer}", np.array(0.5, np.float32))])
        x = norm(node("Add", [linear(gelu, p + "output.dense"), x]), p + "output.LayerNorm")

    # Mean over the unmasked tokens, then L2 normalisation.
    mask3 = node("Unsqueeze", [mask, init("axis2", np.array([2], np.int64))])
    summed = node("ReduceSum", [node("Mul", [x, mask3]), one_axis := init("axis1", np.array([1], np.int64))], keepdims=0)
    counted = node("Clip", [node("ReduceSum", [mask3, one_axis], keepdims=0), init("tiny", np.array(1e-9, np.float32))])
    mean = node("Div", [summed, counted])
    nodes.append(helper.make_node("LpNormalization", [mean], ["embedding"], axis=-1, p=2))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits)
    # IR version 8 (opset 17's own): onnxruntime may lag behind the onnx package's newest.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    return model.SerializeToString(), config["max_position_embeddings"]


def main():
    model_dir, vectors_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rows = [json.loads(line) for line in open(vectors_path, encoding="utf-8")]
    sentences = [r["sentence"] for r in rows]
    graph, window = build_graph(model_dir)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=window)

    def embed(texts):
        # As sentence-transformers does: texts in batches of similar length (longest first), so
        # little is padded; the vectors are put back in the texts' order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = []
        for start in range(0, len(texts), BATCH):
            encodings = tokenizer.encode_batch([texts[i] for i in order[start:start + BATCH]])
            longest = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(encodings), longest), np.int64)
            mask = np.zeros((len(encodings), longest), np.int64)
            for i, e in enumerate(encodings):
                ids[i, :len(e.ids)] = e.ids
                mask[i, :len(e.ids)] = 1
            out.append(session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0])
        vectors = np.empty((len(texts), out[0].shape[1]), np.float32)
        vectors[order] = np.concatenate(out)
        return vectors

    embed(sentences[:BATCH])  # warm-up: the first run allocates
    started = time.perf_counter()
    vectors = embed(sentences)
    seconds = time.perf_counter() - started
    theirs = np.array([r["vector"] for r in rows], np.float32)
    cosines = (vectors * theirs).sum(axis=1) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(theirs, axis=1))
    print(json.dumps({"sentences": len(sentences), "seconds": seconds, "sentences_per_second": len(sentences) / seconds,
                      "threads": threads, "cosine_mean": float(cosines.mean()), "cosine_min": float(cosines.min()),
                      "onnxruntime": ort.__version__}))


if __name__ == "__main__":
    main()
