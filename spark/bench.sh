#!/usr/bin/env bash
# Spark benchmark: the job on local[N] against single-process embedding, same corpus, same run.
# Builds the spark module (and core) when its jar is missing, then runs dev.mtl.spark.SparkBench with
# the Java 17 options Spark needs. PyTorch threads: MTL_THREADS (default: all cores), because the
# model is shared by the JVM's task slots and runs one forward pass at a time (README, "Spark").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/spark/target/mtl-spark-0.1.0-SNAPSHOT.jar"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
if [ ! -f "$jar" ] || [ ! -d "$here/spark/target/spark-lib" ]; then
  (cd "$here" && ./mvnw -q -B -DskipTests -pl spark -am package) >&2
fi
threads="${MTL_THREADS:-$(nproc 2>/dev/null || echo 2)}"
opens=(-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
cd "$here"
exec java "${opens[@]}" -Xmx6g -Dai.djl.offline=true "-Dai.djl.pytorch.num_threads=$threads" \
  -Dai.djl.pytorch.num_interop_threads=1 -Dlog4j2.level=warn \
  -cp "$jar:$here/spark/target/lib/*:$here/spark/target/spark-lib/*" dev.mtl.spark.SparkBench "$@"
