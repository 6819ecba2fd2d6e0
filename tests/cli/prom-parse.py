#!/usr/bin/env python3
# prom-parse.py FILE: check FILE strictly against the Prometheus text exposition
# format (every line a HELP, a TYPE or a sample; HELP and TYPE once per family,
# before its samples; samples of a family together; valid names, labels and
# values) and print each sample as "name{labels} value" for the shell test.
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(%s)(\{(?:%s(?:,%s)*)?,?\})? ([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?$'
                    % (NAME, LABEL, LABEL))
HELP = re.compile(r'^# HELP (%s) (.*)$' % NAME)
TYPE = re.compile(r'^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$' % NAME)

errors = []
helps, types, done, seen = {}, {}, set(), set()
current = None
data = open(sys.argv[1], encoding='utf-8').read()
if data and not data.endswith('\n'):
    errors.append('no newline at the end')
for n, line in enumerate(data.splitlines(), 1):
    m = HELP.match(line)
    if m:
        if m.group(1) in helps:
            errors.append('%d: second HELP for %s' % (n, m.group(1)))
        if m.group(1) in done:
            errors.append('%d: HELP after samples of %s' % (n, m.group(1)))
        helps[m.group(1)] = m.group(2)
        continue
    m = TYPE.match(line)
    if m:
        if m.group(1) in types:
            errors.append('%d: second TYPE for %s' % (n, m.group(1)))
        if m.group(1) in done:
            errors.append('%d: TYPE after samples of %s' % (n, m.group(1)))
        types[m.group(1)] = m.group(2)
        continue
    if line.startswith('#') or line == '':
        errors.append('%d: not HELP, TYPE or a sample: %r' % (n, line))
        continue
    m = SAMPLE.match(line)
    if not m:
        errors.append('%d: malformed sample: %r' % (n, line))
        continue
    name = m.group(1)
    if name != current and name in done:
        errors.append('%d: samples of %s not together' % (n, name))
    key = name + (m.group(2) or '')
    if key in seen:
        errors.append('%d: duplicate sample %s' % (n, key))
    seen.add(key)
    current = name
    done.add(name)
    if name not in helps or name not in types:
        errors.append('%d: %s has no HELP or TYPE before it' % (n, name))
    if not name.startswith('patronus_dr_'):
        errors.append('%d: %s lacks the patronus_dr_ prefix' % (n, name))
    print('%s %s' % (key, m.group(3)))
for name in helps:
    if name not in types:
        errors.append('HELP without TYPE: %s' % name)
for e in errors:
    print('ERROR ' + e, file=sys.stderr)
sys.exit(1 if errors else 0)
