from ledger.cli.main import app

app(prog_name="dipledger")
