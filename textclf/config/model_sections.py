"""The ``model:`` sections of a config, one class per model type, and what every section is built from.

``config.py`` assembles them into ``Config``; ``MODEL_CONFIGS`` maps each
``model.type`` to its class (the registry's keys, and the error messages').
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]


class RuleError(ValueError):
    """A rule between fields of one section, reported as ``section.key: message``."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


# Upper bounds on sizes: beyond them a model cannot fit in memory or train in a lifetime, and a
# typo (maxlen: 2000000) should be an error naming the key, not an out-of-memory crash an hour in.
Width = Annotated[int, Field(ge=1, le=16_384)]  # units, embedding and filter widths
Depth = Annotated[int, Field(ge=1, le=32)]  # stacked layers
Window = Annotated[int, Field(ge=1, le=64)]  # convolution and pooling windows
Widths = Annotated[tuple[Width, ...], Field(min_length=1, max_length=16)]


class Strict(BaseModel):
    """Frozen, typed, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class EmbeddingConfig(Strict):
    pretrained: str | None = None  # a GloVe / word2vec text file: "word v1 v2 ..." per line
    trainable: bool = True


class EmbeddingModel(Strict):
    """A model whose first layer is a table of token embeddings, optionally pretrained."""

    embedding_dim: Width = 32
    embedding: EmbeddingConfig = EmbeddingConfig()


class BagModel(Strict):
    """A model whose first layer reads a bag vector over the vocabulary's terms (``features.bag_input``)."""

    input_kind: ClassVar[str] = "bag"
    # the vocabulary's OOV column, which counts a text's terms that the vocabulary lacks: skip it, as
    # scikit-learn's vectorizers drop unknown terms, or count it as one more term. Where the vocabulary holds
    # every training term its weight never trains, yet in a held-out text it swells the norm (linear), the
    # mean (embedding_bag) or the term count (nbsvm) that the known terms are divided by
    unseen_terms: Literal["skip", "count"] = "skip"


class DenseBowConfig(BagModel):
    """Bag of words (``data.output_mode``, ``data.ngrams``) → Dense layers."""

    type: Literal["dense_bow"]
    hidden_units: Widths = (16, 16)
    dropout: Fraction = 0.0


class BowNgramConfig(DenseBowConfig):
    """N-gram bag with a large vocabulary → one wide hidden layer; ``input_dropout`` drops whole n-grams."""

    type: Literal["bow_ngram"]
    hidden_units: Widths = (64,)
    dropout: Fraction = 0.5
    input_dropout: Fraction = 0.0


class NBSVMConfig(BagModel):
    """Naive-Bayes log-count ratios × binarized n-gram bag → a linear (logistic) layer."""

    type: Literal["nbsvm"]
    alpha: Annotated[float, Field(gt=0.0)] = 1.0  # smoothing of the n-gram counts
    nb_weight: Annotated[float, Field(ge=0.0)] = 0.04  # scale of the Naive Bayes part of the weights
    # divide a text's logits by the root of its number of terms (its binarized bag's L2 norm, as TF-IDF + LR
    # does); auto: when the bag holds character n-grams, which multiply a text's terms (char_ngrams.decide)
    normalize: Union[bool, Literal["auto"]] = "auto"


class LinearConfig(BagModel):
    """A logistic regression on the bag (best with ``data.output_mode: tf_idf`` and word and character n-grams:
    the strongest classical baseline), each text's bag divided by its L2 norm, as scikit-learn's TF-IDF does."""

    type: Literal["linear"]
    normalize: bool = True  # divide each text's bag by its L2 norm: long and short texts weigh alike
    input_dropout: Fraction = 0.0  # zero whole features (n-grams) of each training example: a regularizer


class EmbeddingBagConfig(EmbeddingModel, BagModel):
    """fastText: the average of token and n-gram embeddings → output."""

    type: Literal["embedding_bag"]
    embedding_dim: Width = 64
    dropout: Fraction = 0.0


class RecurrentConfig(EmbeddingModel):
    """Embedding → stacked recurrent layers → Dense."""

    input_kind: ClassVar[str] = "sequence"
    units: Width = 32
    num_layers: Depth = 1
    bidirectional: bool = False
    dropout: Fraction = 0.0
    recurrent_dropout: Fraction = 0.0
    mask_zero: bool = False


class SimpleRNNConfig(RecurrentConfig):
    type: Literal["simple_rnn"]


class LSTMConfig(RecurrentConfig):
    type: Literal["lstm"]


class GRUConfig(RecurrentConfig):
    type: Literal["gru"]


class Conv1DBiLSTMConfig(EmbeddingModel):
    """Embedding → Conv1D → MaxPooling1D → stacked bidirectional LSTMs → Dense."""

    input_kind: ClassVar[str] = "sequence"
    type: Literal["conv1d_bilstm"]
    embedding_dim: Width = 200
    dropout: Fraction = 0.5
    filters: Width = 64
    kernel_size: Window = 5
    pool_size: Window = 4
    lstm_units: Widths = (64, 32)


class CNNConfig(EmbeddingModel):
    """Embedding → parallel Conv1D of several widths → global max pooling → Dense (Kim, 2014)."""

    input_kind: ClassVar[str] = "sequence"
    type: Literal["cnn"]
    embedding_dim: Width = 128
    filters: Width = 128
    kernel_sizes: Annotated[tuple[Window, ...], Field(min_length=1, max_length=16)] = (3, 4, 5)
    hidden_units: Annotated[int, Field(ge=0, le=16_384)] = 0
    dropout: Fraction = 0.5


class TransformerConfig(EmbeddingModel):
    """Embedding + sinusoidal positions → Transformer encoder blocks → average pooling → Dense."""

    input_kind: ClassVar[str] = "sequence"
    type: Literal["transformer"]
    embedding_dim: Width = 64
    num_heads: Annotated[int, Field(ge=1, le=64)] = 2
    ff_dim: Width = 128
    num_layers: Depth = 1
    dropout: Fraction = 0.1


MODEL_CLASSES = (DenseBowConfig, BowNgramConfig, NBSVMConfig, LinearConfig, EmbeddingBagConfig, SimpleRNNConfig,
                 LSTMConfig, GRUConfig, Conv1DBiLSTMConfig, CNNConfig, TransformerConfig)
ModelConfig = Annotated[Union[MODEL_CLASSES], Field(discriminator="type")]
MODEL_CONFIGS: dict[str, type[BaseModel]] = {cls.model_fields["type"].annotation.__args__[0]: cls
                                             for cls in MODEL_CLASSES}
