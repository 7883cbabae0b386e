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

import atexit
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

SPARK_EXTRA = "pip install 'family-context[spark]'"
DEFAULT_MASTER = "local[*]"
# A local session runs its tasks inside the driver's JVM: Spark's default heap of 1g ran out training on 20,000
# records. A ceiling, not a reservation.
DEFAULT_MEMORY = "4g"
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


def local_session(master: str = DEFAULT_MASTER, *, memory: str = DEFAULT_MEMORY) -> Any:
    """A new Spark session on this machine (`master` "local[N]" or "local[*]") with Splink's jar, bound to the
    loopback interface, without the web UI, its JVM's heap at most `memory` (Spark's "4g" form), and a checkpoint
    directory of its own (a new temporary directory, removed when training in a session started by `spark_api`
    ends, else when the process exits). Raises `SparkUnavailable` when pyspark or Java is missing."""
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
        .config("spark.driver.memory", memory)
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
    checkpoints = tempfile.mkdtemp(prefix="family-context-spark-")
    atexit.register(shutil.rmtree, checkpoints, ignore_errors=True)
    session.sparkContext.setCheckpointDir(checkpoints)
    return session


def _cores(master: str) -> int:
    inside = master.removeprefix("local").strip("[]").split(",")[0]
    if inside.isascii() and inside.isdigit() and len(inside) <= 4:  # not '²' (linkage stands alone: no sources)
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
    checkpoints = session.sparkContext.getCheckpointDir()
    try:
        # Splink writes its intermediate tables as parquet to the session's checkpoint directory, which cuts their
        # lineage: 113 s to train on 20,000 records on local[2], where persisting them in the session's cache
        # instead (all that is left without a checkpoint directory) took 387 s.
        api = SparkAPI(spark_session=session, break_lineage_method="persist" if checkpoints is None else "parquet")
        if not session.catalog.functionExists("damerau_levenshtein"):
            raise SparkUnavailable(
                "the Spark session lacks Splink's similarity jar (damerau_levenshtein): start it with "
                "spark.jars = splink.backends.spark.similarity_jar_location()"
            )
        yield api
    finally:
        if started is not None:
            started.stop()
            # The intermediate tables hold the records' columns: gone with the session that wrote them (Spark keeps
            # them in a directory of its own inside the one `local_session` made).
            if checkpoints is not None:
                shutil.rmtree(os.path.dirname(checkpoints.removeprefix("file:")), ignore_errors=True)
