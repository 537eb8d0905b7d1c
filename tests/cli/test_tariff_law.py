"""`rate`, `levels`, `products` and `weights` through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.application.test_tariff_law import LEDGER

runner = CliRunner()
LAYERS = [line for line in LEDGER if line["type"] not in ("ProductListPublished", "WeightsReported")]


def run(*args: Any) -> Any:
    from ledger.cli.main import app

    return runner.invoke(app, [str(a) for a in args])


def as_json(*args: Any) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def law(db: str, tmp_path: Path) -> str:
    """A ledger with the worked cases' layers, Annex II from a CSV file and weights from a CSV file."""
    annex = tmp_path / "annex-ii.csv"
    annex.write_text("HTSUS\n2709.00.00\n3004\n")
    assert run("products", "import", "us-eo14257-annex-ii", annex, "--date", "2025-04-05", "--title", "Annex II",
               "--source", "https://www.whitehouse.gov/", "--db", db).exit_code == 0  # fmt: skip
    weights = tmp_path / "weights.csv"
    weights.write_text(
        "CTY_CODE,HS10,imports,duty\n0003,0401100000,100,4\n0003,0402100000,100,20\n0003,7208100000,200,0\n"
        "1220,2709000000,300,0\n1220,8703230000,100,2.5\n"
    )
    codes = tmp_path / "codes.csv"
    codes.write_text("code,iso\n0003,EU\n1220,CAN\n")
    done = run("weights", "import", "us-imports-2024", weights, "--imposer", "US", "--year", "2024",
               "--partner-codes", codes, "--db", db)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    events = tmp_path / "law.jsonl"
    events.write_text("".join(json.dumps(line) + "\n" for line in LAYERS))
    assert run("import", events, "--db", db).exit_code == 0
    return db


def test_rate_names_every_layer_and_why(law: str) -> None:
    answer = as_json("rate", "US", "CN", "8517.13.00", "--as-of", "2025-04-12", "--db", law)
    assert answer["hs"] == "85171300" and answer["total_pct"] == 20
    why = {layer["key"]: layer["why"] for layer in answer["layers"]}
    assert why["us-ieepa-reciprocal-cn"] == "exempt: hs (851713)"
    assert set(answer) >= {"as_of", "known_at", "imposer", "target", "hs", "base_pct", "added_pct", "total_pct"}


def test_rate_reads_the_base_from_the_weights_and_the_eu_deal_from_it(law: str) -> None:
    answer = as_json("rate", "US", "FR", "0401", "--as-of", "2025-08-07", "--db", law)
    assert (answer["base_pct"], answer["added_pct"], answer["total_pct"]) == (4.0, 11.0, 15.0)


def test_rate_as_known_before_a_layer_was_recorded(law: str) -> None:
    head = as_json("rate", "US", "CN", "8517", "--as-of", "2025-04-12", "--db", law)["known_at"]
    earlier = as_json("rate", "US", "CN", "8517", "--as-of", "2025-04-12", "--known-at", head - 10, "--db", law)
    assert earlier["known_at"] == head - 10 and earlier["added_pct"] < 145


def test_levels_on_a_day_and_as_a_series(law: str) -> None:
    answer = as_json("levels", "--imposer", "US", "--as-of", "2025-08-07", "--db", law)
    assert answer["weights"] == "us-imports-2024"
    assert {row["target"] for row in answer["levels"]} == {"CA", "EU"}
    eu = next(row for row in answer["levels"] if row["target"] == "EU")
    assert eu["added_pct"] == pytest.approx(27.75) and eu["value_usd"] == 400
    assert set(answer["all"]) == {"value_usd", "added_pct", "base_pct", "total_pct"}
    series = as_json("levels", "--imposer", "US", "--target", "EU", "--from", "2025-01-01", "--to", "2025-12-31",
                     "--db", law)  # fmt: skip
    assert [row["date"] for row in series["series"] if row["target"] == "EU"][-1] == "2025-08-07"
    csv_rows = run("levels", "--imposer", "US", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "csv",
                   "--db", law).stdout.splitlines()  # fmt: skip
    assert csv_rows[0] == "date,target,value_usd,added_pct,base_pct,total_pct"


def test_chart_levels_draws_the_series(law: str, tmp_path: Path) -> None:
    out = tmp_path / "levels.svg"
    result = run("chart", "levels", "--imposer", "US", "--from", "2025-01-01", "--to", "2025-12-31", "-o", out,
                 "--db", law)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "EU" in out.read_text()


def test_products_show_the_list_as_it_stood(law: str, tmp_path: Path) -> None:
    wider = tmp_path / "annex-ii-nov.txt"
    wider.write_text("2709\n3004\n0901\n")
    assert run("products", "import", "us-eo14257-annex-ii", wider, "--date", "2025-11-14", "--title", "Annex II",
               "--db", law).exit_code == 0  # fmt: skip
    before = as_json("products", "show", "us-eo14257-annex-ii", "--as-of", "2025-11-13", "--db", law)
    assert before["codes"] == ["27090000", "3004"]
    after = as_json("products", "show", "us-eo14257-annex-ii", "--as-of", "2025-11-14", "--db", law)
    assert (after["count"], after["codes"]) == (3, ["0901", "2709", "3004"])  # the list becomes the file's codes
    again = run("products", "import", "us-eo14257-annex-ii", wider, "--date", "2025-11-20", "--title", "Annex II",
                "--db", law)  # fmt: skip
    assert again.exit_code == 0 and "nothing new" in again.stderr


def test_weights_are_recorded_once(law: str, tmp_path: Path) -> None:
    weights = tmp_path / "weights.csv"
    codes = tmp_path / "codes.csv"
    again = run("weights", "import", "us-imports-2024", weights, "--imposer", "US", "--year", "2024",
                "--partner-codes", codes, "--db", law)  # fmt: skip
    assert again.exit_code == 0 and "nothing new" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rate", "US", "XX", "8517"), "TARGET: 'XX' is not an ISO 3166-1"),
        (("rate", "US", "CN", "85x7"), "HS: '85x7' is not an HS code"),
        (("rate", "EU", "CN", "8517"), "IMPOSER: give a country, not EU"),
        (("levels", "--imposer", "US", "--from", "2025-01-01"), "give both --from and --to"),
        (("levels", "--imposer", "CN", "--as-of", "2025-05-01"), "no weights of CN's imports"),
        (("levels", "--imposer", "US", "--weights", "nope"), "--weights: no weights 'nope'"),
        (("tariffs", "--target", "ZZ"), "--target: 'ZZ' is not an ISO 3166-1"),
        (("products", "show", "nope", "--as-of", "2025-05-01"), "no product list 'nope'"),
        (("chart", "levels", "-o", "x.svg"), "give --imposer"),
    ],
)
def test_bad_queries_exit_2_with_a_clear_message(law: str, args: tuple[str, ...], message: str) -> None:
    result = run(*args, "--db", law)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_a_bad_weights_file_names_its_line_and_column_and_records_nothing(db: str, tmp_path: Path) -> None:
    weights = tmp_path / "weights.csv"
    weights.write_text("CTY_CODE,HS10,imports,duty\nCN,0401100000,100,4\nCN,04x,100,4\nCN,0402100000,lots,1\n")
    result = run("weights", "import", "w", weights, "--imposer", "US", "--year", "2024", "--db", db)
    assert result.exit_code == 2
    assert f"{weights}:3: '04x' is not an HS code" in result.stderr
    assert f"{weights}:4: imports: 'lots' is not a number" in result.stderr
    missing = run("weights", "import", "w", weights, "--imposer", "US", "--year", "2024", "--value-column", "value",
                  "--db", db)  # fmt: skip
    assert missing.exit_code == 2 and "no column value" in missing.stderr
    log = run("log", "--format", "json", "--db", db)  # nothing recorded: no ledger at all, or an empty one
    assert "no ledger at" in log.stderr if log.exit_code else json.loads(log.stdout)["events"] == []


def test_a_bad_product_file_names_its_line(db: str, tmp_path: Path) -> None:
    codes = tmp_path / "codes.csv"
    codes.write_text("HTSUS\n8517\nphones\n")
    result = run("products", "import", "l", codes, "--date", "2025-04-05", "--title", "T", "--db", db)
    assert result.exit_code == 2 and f"{codes}:3: code: 'phones' is not an HS code" in result.stderr


def test_uk_is_accepted_for_gb_in_events_and_queries(law: str) -> None:
    answer = as_json("tariffs", "--as-of", "2025-06-10", "--target", "UK", "--db", law)
    assert {row["key"] for row in answer["measures"]} >= {"us-s232-steel-gb"}
    assert all(row["target"] in ("GB", "*") for row in answer["measures"])


def test_a_target_finds_layers_on_its_group_and_on_every_country(law: str) -> None:
    answer = as_json("tariffs", "--as-of", "2025-08-10", "--target", "DE", "--db", law)
    assert {row["key"] for row in answer["measures"]} == {"us-ieepa-reciprocal-eu", "us-s232-steel"}
    assert answer["totals"] == [{"imposer": "US", "target": "DE", "product": None, "rate_pct": 15.0}]


def test_a_product_no_layer_names_is_said_so(law: str) -> None:
    result = run("tariffs", "--as-of", "2025-08-10", "--product", "aluminum", "--db", law)
    assert result.exit_code == 0 and "no layer names the product 'aluminum'" in result.stderr


def test_reports_show_the_levels_and_each_layers_scope(law: str, tmp_path: Path) -> None:
    markdown = run("report", "--as-of", "2025-08-10", "--db", law).stdout
    assert "## Trade-weighted tariff levels of US (weights us-imports-2024)" in markdown
    assert "| EU | USD 400 | 27.75% | 6% | 33.75% |" in markdown
    assert "| `us-s232-steel` | HS 72, 73 except goods from GB |" in markdown
    page = tmp_path / "report.html"
    assert run("report", "--as-of", "2025-08-10", "--format", "html", "-o", page, "--db", law).exit_code == 0
    assert 'data-level="US-EU">27.75%' in page.read_text()


def test_a_report_summarises_a_long_list_instead_of_printing_it(db: str, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("".join(f"{8500 + n}\n" for n in range(40)))
    assert (
        run("products", "import", "long", codes, "--date", "2025-04-05", "--title", "Long", "--db", db).exit_code == 0
    )
    markdown = run("report", "--as-of", "2025-04-10", "--db", db).stdout
    assert "8511 and 28 more" in markdown and "8539" not in markdown


def test_levels_of_a_partner_the_weights_do_not_hold_are_refused(law: str) -> None:
    result = run("levels", "--imposer", "US", "--target", "JP", "--as-of", "2025-08-07", "--db", law)
    assert result.exit_code == 2 and "hold no imports from JP" in result.stderr
    germany = run("levels", "--imposer", "US", "--target", "DE", "--as-of", "2025-08-07", "--db", law)
    assert germany.exit_code == 2 and "hold no imports from DE (they hold the EU's as EU)" in germany.stderr


def test_a_layer_naming_products_by_label_only_covers_no_good_by_code(db: str) -> None:
    assert run("tariff", "impose", "cn-counter-us-agri", "--date", "2025-03-10", "--imposer", "CN", "--target", "US",
               "--rate-pct", "15", "--products", "chicken", "--db", db).exit_code == 0  # fmt: skip
    answer = as_json("rate", "CN", "US", "0207", "--as-of", "2025-03-10", "--db", db)
    assert answer["added_pct"] == 0
    assert answer["layers"][0]["why"] == "not covered: names products (chicken), not HS codes"


def test_a_baseline_gives_way_only_to_another_layer_of_its_own_program(db: str, tmp_path: Path) -> None:
    lines = [
        {"type": "TariffImposed", "key": "base", "date": "2025-04-05", "imposer": "US", "target": "*",
         "rate_pct": 10, "program": "reciprocal", "not_with": ["reciprocal"]},
        {"type": "TariffImposed", "key": "base-cn", "date": "2025-04-09", "imposer": "US", "target": "CN",
         "rate_pct": 84, "program": "reciprocal"},
    ]  # fmt: skip
    events = tmp_path / "base.jsonl"
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert run("import", events, "--db", db).exit_code == 0
    assert as_json("rate", "US", "VN", "9503", "--as-of", "2025-04-12", "--db", db)["added_pct"] == 10
    china = as_json("rate", "US", "CN", "9503", "--as-of", "2025-04-12", "--db", db)
    assert china["added_pct"] == 84 and china["layers"][0]["why"] == "not with reciprocal"


def test_a_list_amended_back_in_time_counts_from_its_own_date(db: str, tmp_path: Path) -> None:
    april, later = tmp_path / "april.txt", tmp_path / "later.txt"
    april.write_text("8517\n8471\n")
    later.write_text("8517\n")
    wider = tmp_path / "wider.txt"
    wider.write_text("8517\n8471\n8528\n")
    for file, day in ((april, "2025-04-11"), (later, "2025-06-01"), (wider, "2025-05-01")):
        done = run("products", "import", "electronics", file, "--date", day, "--title", "E", "--db", db)
        assert done.exit_code == 0, done.stderr  # compared with the list as it stood on its own date
    shown = as_json("products", "show", "electronics", "--as-of", "2025-05-15", "--db", db)
    assert shown["codes"] == ["8471", "8517", "8528"]
    again = run("products", "import", "electronics", later, "--date", "2025-05-10", "--title", "E", "--db", db)
    assert again.exit_code == 2 and "would make the ProductListAmended of 2025-06-01" in again.stderr
    early = run("products", "import", "electronics", later, "--date", "2025-04-01", "--title", "E", "--db", db)
    assert early.exit_code == 2 and "published only later" in early.stderr


def test_a_good_asked_at_fewer_digits_than_a_listed_code_falls_under_it(db: str, tmp_path: Path) -> None:
    phones = tmp_path / "phones.txt"
    phones.write_text("8517.13.00\n")
    assert (
        run("products", "import", "phones", phones, "--date", "2025-04-11", "--title", "P", "--db", db).exit_code == 0
    )
    imposed = run("tariff", "impose", "l", "--date", "2025-04-05", "--imposer", "US", "--target", "CN",
                  "--rate-pct", "125", "--exempt-lists", "phones", "--db", db)  # fmt: skip
    assert imposed.exit_code == 0
    answer = as_json("rate", "US", "CN", "8517.13", "--as-of", "2025-04-12", "--db", db)
    assert answer["added_pct"] == 0 and answer["layers"][0]["why"] == "exempt: list phones"


def test_a_layer_must_name_lists_that_exist_and_a_named_list_cannot_lose_its_creation(db: str, tmp_path: Path) -> None:
    missing = run("tariff", "impose", "l", "--date", "2025-04-05", "--imposer", "US", "--target", "CN",
                  "--rate-pct", "10", "--hs-lists", "nope", "--db", db)  # fmt: skip
    assert missing.exit_code == 2 and "no product list 'nope' in the ledger or in this import" in missing.stderr
    codes = tmp_path / "codes.txt"
    codes.write_text("72\n")
    assert run("products", "import", "steel", codes, "--date", "2025-03-12", "--title", "S", "--db", db).exit_code == 0
    assert run("tariff", "impose", "l", "--date", "2025-04-05", "--imposer", "US", "--target", "CN", "--rate-pct", "10",
               "--hs-lists", "steel", "--db", db).exit_code == 0  # fmt: skip
    refused = run("retract", "1", "--reason", "wrong list", "--db", db)
    assert refused.exit_code == 2 and "names hs_lists steel" in refused.stderr


def test_a_country_has_no_rate_on_its_own_goods(db: str) -> None:
    result = run("rate", "US", "US", "0401", "--db", db)
    assert result.exit_code == 2 and "on its own goods" in result.stderr
