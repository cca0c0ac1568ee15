# Sourced by ./qwen4j and ./test: finds a JDK >= 25 and exports JAVA_HOME for it.
# Order: $JAVA_HOME if it is recent enough, else the newest JDK >= 25 under the system JVM folders.

qwen4j_java_major() { # prints the feature version of the JDK at $1, or nothing
  local home=$1 v=""
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  fi
  if [ -z "$v" ] && [ -x "$home/bin/java" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  printf '%s' "$v"
}

qwen4j_find_java() {
  local need=25 best="" best_v=0 v d
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(qwen4j_java_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$need" ]; then
      return 0
    fi
  fi
  for d in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    v=$(qwen4j_java_major "$d")
    if [ -n "$v" ] && [ "$v" -ge "$need" ] && [ "$v" -gt "$best_v" ]; then
      best=$d best_v=$v
    fi
  done
  if [ -z "$best" ]; then
    echo "qwen4j needs a JDK $need or newer and found none (JAVA_HOME=${JAVA_HOME:-unset}; searched /usr/lib/jvm)." >&2
    echo "Install one, e.g. Temurin 25 (https://adoptium.net, or apt-get install temurin-25-jdk), or point JAVA_HOME at it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}

qwen4j_find_maven() {
  if command -v mvn >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Maven is missing: installing it with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null) && return 0
  fi
  echo "qwen4j is built with Apache Maven 3.8 or newer, which is not installed (apt-get install maven, or https://maven.apache.org)." >&2
  return 1
}

# JVM flags every run needs: the Vector API incubator module and native access for memory-mapping.
QWEN4J_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:MaxRAMPercentage=75)
