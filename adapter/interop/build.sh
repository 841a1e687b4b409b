#!/usr/bin/env bash
# Builds the QuickFIX C++ reference peers into adapter/interop/build/ (git-ignored).
# Needs Debian's libquickfix-dev and g++ (apt-get install -y libquickfix-dev g++).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/build"
mkdir -p "$out"
if [ ! -f /usr/include/quickfix/Application.h ]; then
  echo "build.sh: libquickfix-dev is not installed (apt-get install -y libquickfix-dev)" >&2
  exit 2
fi
# QuickFIX 1.15 headers use dynamic exception specifications, removed in C++17.
flags=(-std=gnu++14 -O2 -Wall -Wno-deprecated -Wno-deprecated-declarations -pthread)
for prog in at_acceptor oflow_acceptor oflow_initiator; do
  src="$here/src/$prog.cpp"
  if [ "$out/$prog" -nt "$src" ] && [ "$out/$prog" -nt "$here/src/common.h" ]; then
    continue
  fi
  echo "building $prog"
  g++ "${flags[@]}" -o "$out/$prog" "$src" -lquickfix -lpthread
done
