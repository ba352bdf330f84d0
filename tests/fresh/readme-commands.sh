#!/bin/sh
# readme-commands.sh [README]: prints the README's two commands, one a line, exactly as
# written: the lines of the first ```sh block under "## The two commands". The
# fresh-machine tier runs what this prints, and the suite runs this (ctest
# readme_commands), so that the README and the tier cannot drift apart. Fails, saying
# why, unless there are exactly two commands and each names a script of the repository.
set -eu
readme=${1:-README.md}
commands=$(awk '
    /^## / { in_section = ($0 == "## The two commands") }
    in_section && !started && /^```sh$/ { started = 1; next }
    started && /^```/ { exit }
    started && NF { print }' "$readme")
count=$(printf '%s\n' "$commands" | grep -c . || true)
if [ "$count" != 2 ]; then
    echo "readme-commands: $readme has $count commands in the first \`\`\`sh block under" \
        "'## The two commands', not 2; the fresh-machine tier (tests/fresh/run.sh) runs them" >&2
    exit 1
fi
dir=$(dirname "$readme")
printf '%s\n' "$commands" | while read -r shell script _; do
    if [ "$shell" != sh ] || [ ! -f "$dir/$script" ]; then
        echo "readme-commands: '$shell $script' in $readme is not 'sh' and a script of the" \
            "repository" >&2
        exit 1
    fi
done
printf '%s\n' "$commands"
