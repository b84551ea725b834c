"""Evaluating the bot on labelled FAQ sets (`helpline bot eval`, bench/bot_eval.py)."""
