"""Issue 9 point 5: opt-in `/-/health` and Prometheus `/-/metrics`, scraped and parsed."""

from __future__ import annotations

from devex_support import get
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fastn.server.metrics import observe_processor
from servers import free_port

FILES = {
    "index.ftd": "-- ftd.text: Home\n",
    "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}


def package_text(endpoint: str) -> str:
    return (
        "-- import: fastn\n\n-- fastn.package: measured\n"
        f"endpoint: {endpoint}\n\n-- fastn.redirects:\n\n/old/ -> /\n"
    )


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of `/-/metrics`: (name, sorted labels) → value."""
    status, headers, body = get(f"{url}/-/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_health_and_metrics(package_folder, start_fastn) -> None:
    dead_endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens: 502
    server = start_fastn(package_folder(package_text(dead_endpoint), FILES), "--ops")

    status, headers, body = get(f"{server.url}/-/health")
    assert (status, body) == (200, b'{"status":"ok"}')
    assert get(f"{server.url}/")[0] == 200
    assert get(f"{server.url}/")[0] == 200
    assert get(f"{server.url}/logo.svg")[0] == 200
    assert get(f"{server.url}/old/")[0] == 308
    assert get(f"{server.url}/not/in/package/")[0] == 502

    samples = scrape(server.url)

    def requests(route: str, status: str) -> float:
        return samples[("fastn_requests_total", (("route", route), ("status", status)))]

    assert requests("page", "200") == 2
    assert requests("static", "200") == 1
    assert requests("redirect", "308") == 1
    assert requests("proxy", "502") == 1
    assert requests("fastn", "200") == 1  # the health check
    assert samples[("fastn_request_duration_seconds_count", (("route", "page"),))] == 2
    bucket = ("fastn_request_duration_seconds_bucket", (("le", "+Inf"), ("route", "page")))
    assert samples[bucket] == 2
    upstream = (("status", "502"), ("upstream", dead_endpoint))
    assert samples[("fastn_upstream_errors_total", upstream)] == 1


def test_ops_endpoints_are_off_by_default(package_folder, start_fastn, start_uvicorn) -> None:
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: closed\n", {"index.ftd": "-- ftd.text: Hi\n"}
    )
    for server in (start_fastn(package), start_uvicorn(package)):
        assert get(f"{server.url}/-/health")[0] == 404
        assert get(f"{server.url}/-/metrics")[0] == 404
    opened = start_uvicorn(package, env={"FASTN_OPS": "1"})
    assert get(f"{opened.url}/-/health")[0] == 200


def test_metrics_add_up_over_workers(package_folder, start_fastn) -> None:
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: workers\n", {"index.ftd": "-- ftd.text: Hi\n"}
    )
    server = start_fastn(package, "--production", "--workers", "2", "--ops")
    for _ in range(30):
        assert get(f"{server.url}/")[0] == 200

    # Each scrape lands on either worker; every one must report the requests of both.
    for _ in range(5):
        samples = scrape(server.url)
        assert samples[("fastn_requests_total", (("route", "page"), ("status", "200")))] == 30


def test_processors_report_their_time() -> None:
    observe_processor("sql", 0.25)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(REGISTRY).decode())
        for sample in family.samples
    }
    assert samples[("fastn_processor_duration_seconds_count", (("processor", "sql"),))] >= 1
    assert samples[("fastn_processor_duration_seconds_sum", (("processor", "sql"),))] >= 0.25


def test_a_served_page_reports_its_processor_time(package_folder, start_fastn) -> None:
    page = "-- import: fastn/processors as pr\n\n-- integer answer: 42\n$processor$: pr.get-data\n\n-- ftd.integer: $answer\n"
    package = package_folder("-- import: fastn\n\n-- fastn.package: timed\n", {"index.ftd": page})
    server = start_fastn(package, "--production", "--ops")
    status, _, body = get(f"{server.url}/")
    assert status == 200 and b"42" in body

    samples = scrape(server.url)

    assert samples.get(("fastn_processor_duration_seconds_count", (("processor", "get-data"),)))
