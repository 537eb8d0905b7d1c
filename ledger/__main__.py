from ledger.cli.main import app

if __name__ == "__main__":  # not when a process started by `ledger.aside` imports it again
    app(prog_name="dipledger")
