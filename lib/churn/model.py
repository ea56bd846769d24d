"""The churn model (Keras 3 on TensorFlow) and the baseline it must beat (logistic regression).

The Keras model takes the feature columns as they are stored in gold, NULLs included:
normalisation (mean and variance of the training rows), a missing-value indicator and
the country lookup are layers of the model, so whoever scores it passes gold rows and
nothing else. ``ChurnModel`` wraps it for MLflow's pyfunc (a pandas frame in, the churn
probability out), which ``mlflow.pyfunc.spark_udf`` scores with.
"""
from __future__ import annotations

from typing import Any

import keras
import mlflow.pyfunc
import numpy as np
import pandas as pd
import tensorflow as tf
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ("recency_days", "frequency", "monetary_usd", "sessions_30d", "avg_rating", "tenure_days")
CATEGORICAL = ("country",)
FEATURES = (*NUMERIC, *CATEGORICAL)
LABEL = "churned"
HIDDEN_UNITS = 16


def as_model_rows(rows: DataFrame) -> DataFrame:
    """Gold feature rows with every number as a double (NULL stays NULL): the frame the model's signature names."""
    return rows.withColumns({name: F.col(name).cast("double") for name in NUMERIC})


def model_inputs(frame: pd.DataFrame) -> dict[str, Any]:
    """Feature columns as the model's named inputs, as tensors: numbers as float32 (NULL as NaN), countries as
    strings."""
    inputs: dict[str, Any] = {
        name: tf.constant(pd.to_numeric(frame[name], errors="coerce").to_numpy("float32").reshape(-1, 1))
        for name in NUMERIC}
    for name in CATEGORICAL:
        inputs[name] = tf.constant(frame[name].fillna("").astype(str).to_numpy().reshape(-1, 1))
    return inputs


@keras.saving.register_keras_serializable(package="lakehouse")
class MissingAsZero(keras.layers.Layer):
    """A normalised column with its NaNs as 0 (the training mean), and a second column flagging them."""

    def call(self, values: Any) -> Any:
        missing = keras.ops.isnan(values)
        return keras.ops.concatenate([keras.ops.where(missing, keras.ops.zeros_like(values), values),
                                      keras.ops.cast(missing, values.dtype)], axis=-1)


def build(train: pd.DataFrame, seed: int) -> keras.Model:
    """An untrained model whose preprocessing is fitted on ``train``: one hidden layer, a sigmoid out."""
    keras.utils.set_random_seed(seed)
    inputs, encoded = {}, []
    for name in NUMERIC:
        inputs[name] = keras.Input(shape=(1,), name=name, dtype="float32")
        known = pd.to_numeric(train[name], errors="coerce").dropna().astype("float64")
        mean, variance = (float(known.mean()), float(known.var(ddof=0))) if len(known) else (0.0, 1.0)
        normalised = keras.layers.Normalization(mean=mean, variance=variance or 1.0, name=f"{name}_scaled")
        encoded.append(MissingAsZero(name=f"{name}_filled")(normalised(inputs[name])))
    for name in CATEGORICAL:
        inputs[name] = keras.Input(shape=(1,), name=name, dtype="string")
        vocabulary = sorted(value for value in train[name].dropna().unique() if value)
        encoded.append(keras.layers.StringLookup(vocabulary=vocabulary, output_mode="one_hot",
                                                 name=f"{name}_lookup")(inputs[name]))
    hidden = keras.layers.Dense(HIDDEN_UNITS, activation="relu")(keras.layers.Concatenate()(encoded))
    churn = keras.layers.Dense(1, activation="sigmoid", name="churn_probability")(hidden)
    model = keras.Model(inputs, churn, name="churn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=[keras.metrics.AUC(name="roc_auc")])
    return model


def fit(train: pd.DataFrame, validation: pd.DataFrame, *, seed: int, epochs: int, batch_size: int,
        patience: int) -> tuple[keras.Model, int]:
    """The model fitted on ``train``, stopped early on ``validation``'s loss; and the epochs it ran."""
    model = build(train, seed)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(model_inputs(train), train[LABEL].to_numpy("float32"), epochs=epochs,
                        batch_size=batch_size, verbose=0, callbacks=[stop],
                        validation_data=(model_inputs(validation), validation[LABEL].to_numpy("float32")))
    return model, len(history.history["loss"])


def predict(model: keras.Model, frame: pd.DataFrame) -> np.ndarray:
    """Churn probabilities: the model called on the whole frame, as Keras recommends for data that fits in
    memory (``predict`` traces a function on each new model and steps 32 rows at a time, seconds a holdout)."""
    return keras.ops.convert_to_numpy(model(model_inputs(frame), training=False)).ravel().astype("float64")


def fit_baseline(train: pd.DataFrame, seed: int) -> Pipeline:
    """Logistic regression on the same columns: mean-imputed with a missing flag, scaled, country one-hot."""
    columns = ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(add_indicator=True, keep_empty_features=True), StandardScaler()),
         list(NUMERIC)),
        ("country", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
    ])
    baseline = Pipeline([("columns", columns), ("model", LogisticRegression(max_iter=1000, random_state=seed))])
    return baseline.fit(baseline_inputs(train), train[LABEL].astype(int))


def baseline_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = {name: pd.to_numeric(frame[name], errors="coerce").astype("float64") for name in NUMERIC}
    return pd.DataFrame({**numbers, **{name: frame[name].fillna("").astype(str) for name in CATEGORICAL}})


class ChurnModel(mlflow.pyfunc.PythonModel):
    """MLflow's pyfunc of the fitted Keras model (the artifact ``keras_model``): gold feature rows in, the churn
    probability of each out."""

    def load_context(self, context: Any) -> None:
        self.model = keras.models.load_model(context.artifacts["keras_model"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> pd.Series:
        return pd.Series(predict(self.model, model_input), name="churn_probability")
