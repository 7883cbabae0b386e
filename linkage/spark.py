"""Training on Spark: Splink's `SparkAPI` over the caller's Spark session, or over a local one made here.

`linkage.train(records, backend="spark")` uses the session the caller passes (`spark=`), else the process's active
session, else starts a local one (`local_session`) and stops it when training ends. Whatever the session, it must
have Splink's similarity jar on its classpath (Splink registers `damerau_levenshtein` from it, which the name
levels use); a local session made here has it. On a cluster, start the session with
`spark.jars = splink.backends.spark.similarity_jar_location()` and a checkpoint directory on shared storage.

pyspark (and Java 17 or newer, which Spark 4 runs on) are needed only for this: `pip install
'family-context[spark]'`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from typing import Any

SPARK_EXTRA = "pip install 'family-context[spark]'"
DEFAULT_MASTER = "local[*]"
# Each local core gets two shuffle partitions: Spark's default of 200 spends most of a small job scheduling tasks.
_PARTITIONS_PER_CORE = 2


class SparkUnavailable(RuntimeError):
    """Spark cannot train here: pyspark or Java is missing, or the session lacks Splink's jar."""


def java_available() -> bool:
    """Whether a Java runtime can be found the way Spark looks for one (JAVA_HOME, else `java` on the PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        return os.access(os.path.join(home, "bin", "java"), os.X_OK)
    return shutil.which("java") is not None


def local_session(master: str = DEFAULT_MASTER) -> Any:
    """A new Spark session on this machine (`master` "local[N]" or "local[*]") with Splink's jar, bound to the
    loopback interface, without the web UI. Raises `SparkUnavailable` when pyspark or Java is missing."""
    if not java_available():
        raise SparkUnavailable("training on Spark needs Java 17 or newer (set JAVA_HOME or put `java` on the PATH)")
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise SparkUnavailable(f"training on Spark needs pyspark: {SPARK_EXTRA}") from exc
    cores = _cores(master)
    if master.startswith("local"):
        # Before the JVM starts: it then binds to the loopback interface rather than guessing the host's address.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName("family-context linkage train")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(_PARTITIONS_PER_CORE * cores))
        .config("spark.default.parallelism", str(_PARTITIONS_PER_CORE * cores))
    )
    if master.startswith("local"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own error types when the JVM does not start
        raise SparkUnavailable(f"Spark did not start ({type(exc).__name__}): {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def _cores(master: str) -> int:
    inside = master.removeprefix("local").strip("[]").split(",")[0]
    if inside.isdigit():
        return max(1, int(inside))
    return os.cpu_count() or 1


@contextlib.contextmanager
def spark_api(session: Any = None, *, master: str = DEFAULT_MASTER) -> Iterator[Any]:
    """Splink's `SparkAPI` over `session`, the active session, or a local session started (and stopped) here."""
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
        from splink.backends.spark import SparkAPI
    except ImportError as exc:
        raise SparkUnavailable(f"training on Spark needs pyspark: {SPARK_EXTRA}") from exc
    started = None
    if session is None and SparkContext._active_spark_context is not None:
        # Spark already runs in this process (perhaps started on another thread): join it, and leave it running.
        session = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    if session is None:
        session = started = local_session(master)
    try:
        # Intermediate tables are persisted in the session (memory, spilling to disk) unless the session has a
        # checkpoint directory, where Splink then writes them as parquet.
        checkpoints = not session.sparkContext._jsc.sc().getCheckpointDir().isEmpty()
        api = SparkAPI(spark_session=session, break_lineage_method="parquet" if checkpoints else "persist")
        if not session.catalog.functionExists("damerau_levenshtein"):
            raise SparkUnavailable(
                "the Spark session lacks Splink's similarity jar (damerau_levenshtein): start it with "
                "spark.jars = splink.backends.spark.similarity_jar_location()"
            )
        yield api
    finally:
        if started is not None:
            started.stop()
