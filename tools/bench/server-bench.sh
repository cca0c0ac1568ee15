#!/usr/bin/env bash
# Server benchmarks (qwen4j-server's test-scope ServerBench), each on its own server on 127.0.0.1:
#   tools/bench/server-bench.sh load   [--clients 32] [--seconds 60] [--max-tokens 64] [--model DIR] [--threads N]
#   tools/bench/server-bench.sh prefix [--turns 4] [--system-tokens 1500] [--model DIR] [--threads N]
# load: one streaming client, then N together for the same time: tokens/s, TTFT, errors, heap.
# prefix: a conversation with a long system prompt, with and without the prefix cache: TTFT per turn.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/java-env.sh"
qwen4j_find_java || exit 1
qwen4j_find_maven || exit 1
cd "$root"
mvn -B -q -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test \
  -pl qwen4j-server -am >&2
cp="qwen4j-server/target/test-classes:qwen4j-server/target/classes:$(cat qwen4j-server/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" "${QWEN4J_JVM_FLAGS[@]}" -Xmx4g -cp "$cp" \
  -Dqwen4j.demoModel="$root/qwen4j-cli/src/main/resources/io/qwen4j/cli/demo" io.qwen4j.server.ServerBench "$@" \
  2> >(grep -v '^WARNING: Using incubator modules' >&2)
