"""Table specs (`sweeps/tables/<name>.yaml`) and `humanllm table <name>`: the runs behind one paper table.

Was `humanllm.experiments` (and `humanllm experiment <name>`); the old module, command and public names
still work for one release (`humanllm._aliases`), with a FutureWarning or, on the command line, a deprecation line.
"""
