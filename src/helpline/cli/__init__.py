"""The `helpline` command line: one Typer app, a sub-app per area."""

import typer

from helpline.cli import bot, cluster, db, demo, knowledge, serve, users, workspaces

app = typer.Typer(no_args_is_help=True, help="Helpline: self-hostable customer support.")
app.add_typer(db.app, name="db")
app.add_typer(workspaces.app, name="workspace")
app.add_typer(users.app, name="user")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("demo")(demo.demo)
app.command("outbox")(demo.outbox)
app.add_typer(knowledge.app, name="knowledge")
app.command("models")(knowledge.models)
app.add_typer(bot.app, name="bot")
app.command("cluster")(cluster.cluster)


def main() -> None:
    app()
