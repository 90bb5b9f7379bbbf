# Shared by bin/llmforge and bin/spark-submit: where the jars are, the JVM flags Spark needs on Java 17, and
# a build step that runs only when the jar is missing or older than a source file.
LLMFORGE_VERSION="0.1.0-SNAPSHOT"
LLMFORGE_JAR="$ROOT/jobs/target/llmforge-jobs-$LLMFORGE_VERSION.jar"
LLMFORGE_SPARK_CP="$ROOT/jobs/target/spark-classpath.txt"
LLMFORGE_JVM_FLAGS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
)

llmforge_ensure_built() {
  local stale=""
  if [[ ! -f "$LLMFORGE_JAR" || ! -f "$LLMFORGE_SPARK_CP" ]]; then
    stale="missing"
  elif [[ -n "$(find "$ROOT" -path "$ROOT/work" -prune -o \( -path '*/src/main/*' -o -name pom.xml -o -path "$ROOT/conf/*" \) \
                 -newer "$LLMFORGE_JAR" -type f -print -quit 2>/dev/null)" ]]; then
    stale="outdated"
  fi
  if [[ -n "$stale" ]]; then
    echo "llmforge: building ($stale jar; first build downloads dependencies, a few minutes)..." >&2
    (cd "$ROOT" && mvn -q -B -Dmaven.test.skip=true package) >&2
  fi
}
