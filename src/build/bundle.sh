#!/bin/sh
# Makes the self-contained bundle: the distribution (target/bgfetch) plus its own trimmed Java runtime
# (runtime/, made by jlink) and a class-data archive (lib/bgfetch.jsa) dumped by that runtime, so a
# user without Java unpacks it and runs bin/bgfetch, and it starts fast.
#
# Usage: bundle.sh DIST OUT JDK [NAME]
#   DIST  the distribution directory (target/bgfetch), complete
#   OUT   the directory that receives NAME/ (replaced)
#   JDK   the JDK that links the runtime (17 or newer); empty: $BGFETCH_BUNDLE_JDK, else the JDK
#         running the build (passed by Maven as the last resort, never a fixed path)
#
# Modules. jdeps over every jar of lib/ says what the code may touch; three of those are left out
# because bgfetch never reaches them and they are a third of the runtime's size:
#   java.desktop        Jackson's optional java.beans support (@ConstructorProperties, @Transient)
#   java.sql            Jackson's optional java.sql.Date/Timestamp (de)serializers
#   java.security.jgss  HttpClient's SPNEGO/Kerberos authentication, which bgfetch never configures
# java.sql brought java.logging with it (requires transitive), which JLine does use, so it is
# added back. jdk.crypto.ec holds the EC key exchange and signatures that most https servers need
# on Java 17-21 (Java 22 moved them into java.base and left the module empty).
# BundleIT checks the runtime's list against jdeps with the same rules; keep both in step.
set -eu

dist=$1
out=$2
jdk=${3:-}
[ -n "$jdk" ] || jdk=${BGFETCH_BUNDLE_JDK:-}
[ -n "$jdk" ] || { echo "bundle.sh: no JDK given (-Dbundle.jdk, BGFETCH_BUNDLE_JDK)" >&2; exit 1; }
name=${4:-bgfetch-bundle}

for tool in jlink jdeps; do
    [ -x "$jdk/bin/$tool" ] || { echo "bundle.sh: $jdk/bin/$tool is missing: $jdk is not a JDK" >&2; exit 1; }
done
version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$jdk/release")
major=${version%%[!0-9]*}
[ "${major:-0}" -ge 17 ] || { echo "bundle.sh: $jdk is Java ${version:-?}; the bundle needs 17 or newer" >&2; exit 1; }

dropped=" java.desktop java.sql java.security.jgss "
modules=java.logging
for m in $("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$dist"/lib/*.jar | tr , ' '); do
    case $dropped in *" $m "*) continue ;; esac
    modules=$modules,$m
done
if [ "$major" -lt 22 ]; then
    modules=$modules,jdk.crypto.ec
fi
if [ "$major" -ge 21 ]; then compress=zip-6; else compress=2; fi

bundle=$out/$name
rm -rf -- "$bundle"
mkdir -p -- "$out"
cp -R -- "$dist" "$bundle"
echo "bundle.sh: jlink (Java $version, $jdk): $modules"
# --generate-cds-archive: the JDK's own default archive (lib/server/classes.jsa), the base layer
# that the dynamic archive below extends
"$jdk/bin/jlink" --add-modules "$modules" --output "$bundle/runtime" --strip-debug --no-header-files \
    --no-man-pages --compress="$compress" --generate-cds-archive
# the archive for heaps of 32 GB and more (no compressed oops): 14 MB that bgfetch never maps
rm -f -- "$bundle/runtime/lib/server/classes_nocoops.jsa"

# The application's archive, dumped by the bundled runtime on the everyday commands (dev.bgfetch.Train:
# fetch, get, list and --help once each on a throwaway store, as bin/bgfetch trains on Java 17). The class path is built exactly as bin/bgfetch builds
# it (the JVM only maps an archive made for the same class path; a relocated bundle still matches,
# since the JVM compares the jars relative to the archive's recorded paths). Nothing is printed.
# The JVM also compares each jar's mtime and size with the archive's record, and JReleaser writes
# every entry of the bundle's tar with one fixed time (jreleaser.yml, options.timestamp): the jars
# get that time here, so the archive still maps once the tar is unpacked.
cp=
for jar in "$bundle"/lib/*.jar; do
    touch -d 2026-01-01T00:00:00Z -- "$jar"
    cp=${cp:+$cp:}$jar
done
store=$(mktemp -d)
trap 'rm -rf -- "$store"' EXIT
"$bundle/runtime/bin/java" -XX:ArchiveClassesAtExit="$bundle/lib/bgfetch.jsa" -Xlog:disable -Xlog:all=off \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -cp "$cp" dev.bgfetch.Train "$store" \
    </dev/null >/dev/null 2>&1 \
    || { echo "bundle.sh: the class-data dump failed" >&2; exit 1; }
[ -s "$bundle/lib/bgfetch.jsa" ] || { echo "bundle.sh: no class-data archive was written" >&2; exit 1; }
echo "bundle.sh: $bundle ($(du -sh "$bundle" | cut -f1))"
