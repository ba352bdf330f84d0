#!/usr/bin/env python3
"""Issue 21: every message warden can print has a test that checks its content.

This reads the C sources (no build needed): it finds each call that produces text for the
user (log_error and its kin, log_fields, say_why, snprintf of a sentence, url.c's
fail, check.c's unhealthy, cli.c's record_error, secrets.c's refuse, report_stop,
setpriv's fail_apply and setpriv_error, fprintf to stderr, printf and fputs), joins the adjacent
string literals of its format argument, and cuts the format at its printf conversions.
Every piece of at least MIN_PIECE characters must appear in a string of the tests
(tests/integration/*.py and tests/container/*.py through Python's own parser, so implicit
concatenation across lines is joined and an f-string's {...} splits it; tests/unit/*.c with
the same C reader). Literal arguments of such a call (`x ? "out of range" : "..."`) are
messages too. Exit 1 with file:line and the message for each one no test holds. A message
no test can cause is named in UNCAUSABLE with the reason (an entry whose message is gone
fails the check too).

    message_inventory.py [--root DIR] [--list] [--only FILE...]

--list prints every message found, tested or not; --only limits the check to these source
files (paths relative to src/, as in url.c or personas/tini.c).
"""
import argparse
import ast
import glob
import os
import re
import sys

MIN_PIECE = 6

# Call name -> index of its format (or text) argument. A name in FILE_SINKS counts only in
# that file (fail is a common word).
SINKS = {
    "log_error": 0, "log_warn": 0, "log_info": 0, "log_debug": 0,
    "log_fields": 3,
    "say_why": 2,
    "unhealthy": 1,
    "record_error": 1,
    "refuse": 1,
    "report_stop": 2,
    "setpriv_error": 0,
    "printf": 0,
    "fputs": 0,
}
FILE_SINKS = {("url.c", "fail"): 2}
# Arguments wrapped in these are JSON field names and values, not text.
FIELD_MACROS = {"LOG_STR", "LOG_NUM", "LOG_BOOL"}

TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<char>'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>\d[\w.]*)
  | (?P<newline>\n)
  | (?P<space>[ \t\r\f\v]+)
  | (?P<punct>.)
''', re.S | re.X)

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
           "b": "\b", "f": "\f", "v": "\v", "?": "?", "e": "\x1b"}


def c_unescape(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        elif nxt == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2:])
            out.append(chr(int(m.group(0), 16)))
            i += 2 + len(m.group(0))
        else:
            out.append(ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


DIRECTIVE = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


def c_tokens(text):
    """(kind, value, line) for C source text, without comments, spaces and preprocessor
    lines (a #define's body is not a call); a string's value is its unescaped text."""
    text = DIRECTIVE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    tokens, line = [], 1
    for m in TOKEN.finditer(text):
        kind, value = m.lastgroup, m.group(0)
        start_line = line
        line += value.count("\n")
        if kind in ("comment", "space", "newline"):
            continue
        if kind == "string":
            value = c_unescape(value[1:-1])
        tokens.append((kind, value, start_line))
    return tokens


def literal_runs(tokens):
    """Each run of adjacent string literals in tokens, joined: [(text, line)]."""
    runs, current, line = [], None, 0
    for kind, value, tline in tokens:
        if kind == "string":
            if current is None:
                current, line = "", tline
            current += value
        else:
            if current is not None:
                runs.append((current, line))
            current = None
    if current is not None:
        runs.append((current, line))
    return runs


def call_arguments(tokens, open_index):
    """The argument token lists of the call whose '(' is tokens[open_index]."""
    args, current, depth = [], [], 0
    for token in tokens[open_index + 1:]:
        value = token[1] if token[0] == "punct" else None
        if value in ("(", "[", "{"):
            depth += 1
        elif value in (")", "]", "}"):
            if depth == 0:
                args.append(current)
                return args
            depth -= 1
        elif value == "," and depth == 0:
            args.append(current)
            current = []
            continue
        current.append(token)
    return args


def without_field_macros(tokens):
    out, depth = [], 0
    i = 0
    while i < len(tokens):
        kind, value, _ = tokens[i]
        if depth == 0 and kind == "ident" and value in FIELD_MACROS and i + 1 < len(tokens) \
                and tokens[i + 1][1] == "(":
            depth, i = 1, i + 2
            continue
        if depth:
            if tokens[i][0] == "punct" and value == "(":
                depth += 1
            elif tokens[i][0] == "punct" and value == ")":
                depth -= 1
            i += 1
            continue
        out.append(tokens[i])
        i += 1
    return out


def sink_index(name, file_name, tokens, i):
    if (file_name, name) in FILE_SINKS:
        return FILE_SINKS[(file_name, name)]
    if name in SINKS:
        return SINKS[name]
    args = call_arguments(tokens, i + 1)
    if name == "fprintf" and args and [t[1] for t in args[0]] == ["stderr"]:
        return 1
    if name == "snprintf":
        return 2
    return None


def is_sentence(name, args, text):
    """snprintf writes paths and numbers too: only one into a `why` buffer, or text with a
    space in it (" (did you mean WARDEN_"), is a message; an HTTP request (CRLF) is not."""
    if name != "snprintf" or any("why" in t[1] for t in args[0] if t[0] == "ident"):
        return True
    return " " in text and "\r\n" not in text


def messages_in(path, rel):
    """[(rel, line, kind, text)] for each message of one source file."""
    with open(path, encoding="utf-8") as f:
        tokens = c_tokens(f.read())
    base = os.path.basename(rel)
    found = []
    for i, (kind, name, line) in enumerate(tokens):
        if kind != "ident" or i + 1 >= len(tokens) or tokens[i + 1][1] != "(":
            continue
        index = sink_index(name, base, tokens, i)
        if index is None:
            continue
        args = call_arguments(tokens, i + 1)
        if len(args) <= index:
            continue
        for text, tline in literal_runs(args[index]):
            if is_sentence(name, args, text):
                found.append((rel, tline, name, text))
        for other in args[index + 1:]:
            for text, tline in literal_runs(without_field_macros(other)):
                if len(text.strip()) >= MIN_PIECE and is_sentence(name, args, text):
                    found.append((rel, tline, name + " argument", text))
    return found


# Messages no test can cause, each with the reason; (file, text) must match exactly, so a
# changed message leaves its entry behind, and the check says so.
UNCAUSABLE = {
    ("caps.c", "unable to read capabilities back: %s"):
        "the same read worked moments before (permissions_check), and a process can always "
        "read its own /proc/self/status",
    ("caps.c", "still set"):
        "the kernel drops an ambient capability that is not both permitted and inheritable, "
        "and those sets were checked just before",
    ("check.c", "cancelled"):
        "set when a pending check is let go; no caller prints the reason afterwards",
    ("lookup.c", "unable to look up '%s': out of memory"):
        "a 200-byte calloc, served from memory the process already holds",
    ("lookup.c", "cannot resolve '%s': the lookup ended without an answer"):
        "lookup_finish runs once the thread has signalled its answer",
    ("lookup.c", "cannot resolve '%s': no IPv4 or IPv6 address"):
        "getaddrinfo with AF_UNSPEC and SOCK_STREAM answers with IPv4 or IPv6 only",
    ("secrets.c", "unable to resolve %s: %s"):
        "the directory was just opened through: it must vanish between two calls",
    ("secrets.c", "unable to set it: %s"):
        "setenv fails only for lack of memory, from memory the process already holds",
    ("secrets.c", "unable to remove %s: %s"):
        "unsetenv fails only on a bad name; NAME_FILE was checked to be a good one",
    ("users.c", "out of memory"):
        "a few bytes from realloc, served from memory the process already holds",
    ("volume_walk.c", "--chown %s: the volume was moved or changed during the walk (%s); "
     "stopped: start the container again once nothing else moves it"):
        "a race with another process renaming directories during the walk",
    ("volume_walk.c", "parent directory differs"): "the same race",
    ("wait_for.c", "no answer yet"):
        "each try's timeout ends with the overall one: the try reports first",
}

CONVERSION = re.compile(r"%[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|j|z|t|L)?"
                        r"[diouxXeEfFgGaAcspn]")


def pieces(fmt):
    """The literal text between printf conversions, each piece stripped."""
    parts = CONVERSION.split(fmt.replace("%%", "\x01"))
    return [p.replace("\x01", "%").strip() for p in parts]


def python_strings(path):
    """Every string expression of a Python file: constants (implicit concatenation joined by
    the parser), f-strings and + chains, with the module's string constants put in for
    their names (f"... {SEE}", "..." + APP) and \\0 where anything else stands."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    names = {}

    def value(node):
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return "".join(value(v) or "\0" for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return value(node.value) if node.format_spec is None and node.conversion == -1 \
                else None
        if isinstance(node, ast.Name):
            return names.get(node.id)
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and isinstance(node.func, ast.Attribute) and node.func.attr == "escape":
            return value(node.args[0])  # re.escape(left): the text itself
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = value(node.left), value(node.right)
            if left is None and right is None:
                return None
            return (left or "\0") + (right or "\0")
        return None

    # The module's constants first, then any other name given a string (a test's local
    # `left = " alone: ..."`): a guess where one name is bound twice, good enough here.
    for node in [*tree.body, *ast.walk(tree)]:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            text = value(node.value)
            if text is not None:
                names.setdefault(node.targets[0].id, text)
    return [text for node in ast.walk(tree) if (text := value(node)) is not None]


def test_corpus(root):
    strings = []
    for pattern in ("tests/integration/*.py", "tests/container/*.py"):
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            strings += python_strings(path)
    for path in sorted(glob.glob(os.path.join(root, "tests/unit/*.c"))):
        with open(path, encoding="utf-8") as f:
            strings += [text for text, _ in literal_runs(c_tokens(f.read()))]
    return "\0".join(strings)


def untested(text, corpus):
    """The pieces of text of at least MIN_PIECE characters that no test string holds."""
    return [p for p in pieces(text) if len(p) >= MIN_PIECE and p not in corpus]


SELF_TEST_C = r"""
#define say(...) log_error("not a call: " __VA_ARGS__)
/* log_error("in a comment"); */
static int f(int x) // log_warn("in a comment too")
{
    log_error("--a %s: the first "
              "line, joined", "x, y and z");
    log_fields(LOG_LEVEL_INFO, (struct log_field[]){LOG_STR("key_name", v)}, 1,
               "100%% sure: \"%-5.2f\" %zu", 1.0, n);
    say_why(why, size, "%s", x ? "either this" : "or that");
    snprintf(path, sizeof(path), "%s/stat", name);
    return fail(why, size, "only in url.c");
}
"""


def self_test():
    """The reader on a snippet: comments and #define bodies skipped, literals joined across
    lines, the format argument taken (not log_fields' keys), literal arguments kept."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "snippet.c")
        with open(path, "w", encoding="utf-8") as f:
            f.write(SELF_TEST_C)
        found = [(line, kind, text) for _, line, kind, text in messages_in(path, "snippet.c")]
    expected = [
        (6, "log_error", "--a %s: the first line, joined"),
        (7, "log_error argument", "x, y and z"),
        (9, "log_fields", '100%% sure: "%-5.2f" %zu'),
        (10, "say_why", "%s"),
        (10, "say_why argument", "either this"),
        (10, "say_why argument", "or that"),
    ]
    assert found == expected, found
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "snippet.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write('SEE = "(see --help)"\n'
                    'def t(x):\n'
                    '    return (f"one {SEE} "\n'
                    '            "two" + SEE, f"{x} three", "four" "five")\n')
        strings = python_strings(path)
    for text in ("one (see --help) two(see --help)", "\0 three", "fourfive"):
        assert text in strings, strings
    assert pieces('100%% sure: "%-5.2f" %zu') == ['100% sure: "', '"', ""], pieces("x")


def main():
    self_test()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--only", nargs="*")
    options = parser.parse_args()
    root = os.path.abspath(options.root)
    src = os.path.join(root, "src")
    messages = []
    for path in sorted(glob.glob(os.path.join(src, "**", "*.c"), recursive=True)):
        rel = os.path.relpath(path, src)
        if options.only is None or rel in options.only:
            messages += messages_in(path, rel)
    corpus = test_corpus(root)
    missing = 0
    left = set(UNCAUSABLE)
    for rel, line, kind, text in messages:
        key = (os.path.basename(rel), text)
        left.discard(key)
        if key in UNCAUSABLE:
            if options.list:
                print(f"src/{rel}:{line}: {kind}: not causable ({UNCAUSABLE[key]}): {text!r}")
            continue
        gaps = untested(text, corpus)
        if gaps:
            missing += 1
        if gaps or options.list:
            status = "untested" if gaps else "tested"
            print(f"src/{rel}:{line}: {kind}: {status}: {text!r}"
                  + (f" (not in the tests: {' | '.join(map(repr, gaps))})" if gaps else ""))
    if options.only is None:
        for file_name, text in sorted(left):
            print(f"{file_name}: {text!r} is listed as not causable but is not in src/ any more")
            missing += 1
    print(f"{len(messages)} messages, {missing} with text no test checks")
    if not messages:
        print("no messages found: the reader no longer understands src/")
        return 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
