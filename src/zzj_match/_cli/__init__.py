"""Internals of the ``zzj-match`` command line (:mod:`zzj_match.cli`); no public API here.

:mod:`~zzj_match._cli.outdir` owns the ``--out`` directory and the writing of the plan tables;
:mod:`~zzj_match._cli.policy_file` reads the ``--policy`` file into a policy or problem rows.
"""
