"""The DCAT-AP 3 catalogue (/api/v1/catalog), validated with pySHACL against SEMIC's shapes (dcat_ap/),
and the anonymised participation results of past events that it lists."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from eventapp.core.communes import get_commune
from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.participation import services as participation
from eventapp.participation.models import ActivityKind, Channel, Vote, VoteChoice
from tests.factories import make_event, make_session
from tests.participation.factories import make_activity, make_organiser, make_registration

# pySHACL still builds rdflib's ConjunctiveGraph, which rdflib 7.1+ deprecates (not our code's warning).
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

SHAPES = Path(__file__).parent / "dcat_ap"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
CC_BY = URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")


SHAPES_GRAPH = Graph().parse(SHAPES / "dcat-ap-SHACL.ttl", format="turtle")


def shacl_results(graph: Graph) -> tuple[bool, str]:
    conforms, _results, text = validate(graph, shacl_graph=SHAPES_GRAPH, inference="rdfs", allow_warnings=False)
    return conforms, text


def catalogue_graph(client) -> Graph:
    response = client.get("/api/v1/catalog")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    return Graph().parse(data=response.get_data(as_text=True), format="json-ld")


def past_event_with_results():
    """An event that ended yesterday, with a revealed poll (12, 4 and 2 answers) and people at the door."""
    now = utcnow()
    event = make_event(slug="past-forum", starts_at=now - timedelta(days=1, hours=3))
    session = make_session(event, kind="participatory", starts_at=event.starts_at, ends_at=event.ends_at)
    organiser = make_organiser(event)
    poll = make_activity(session, organiser)
    for option, weight in zip(poll.options, (12, 4, 2), strict=True):
        db.session.add(
            Vote(
                activity_id=poll.id,
                channel=Channel.FACILITATOR,
                weight=weight,
                choices=[VoteChoice(option_id=option.id)],
            )
        )
    participation.reveal_results(organiser, poll)
    make_activity(session, organiser, ActivityKind.IDEAS)
    for _ in range(6):
        make_registration(event, checked_in=1)
    make_registration(event, checked_in=1, commune="21009")
    db.session.commit()
    return event


def test_the_catalogue_of_the_demo_and_a_past_event_has_no_shacl_violation(runner, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    past_event_with_results()
    graph = catalogue_graph(client)
    conforms, report = shacl_results(graph)
    assert conforms, report
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert URIRef("http://events.test/api/v1/events") in datasets
    assert URIRef("http://events.test/api/v1/events/past-forum/results") in datasets
    assert len(datasets) == 2  # the demo's events are all upcoming
    for subject in (catalog, *datasets):
        for prop in (DCTERMS.title, DCTERMS.description):
            assert {literal.language for literal in graph.objects(subject, prop)} == {"fr", "nl", "en"}
        publisher = graph.value(subject, DCTERMS.publisher)
        assert graph.value(publisher, FOAF.name) == Literal("Digital.Brussels")
        assert graph.value(subject, DCTERMS.issued) is not None and graph.value(subject, DCTERMS.modified) is not None
    assert graph.value(catalog, DCTERMS.license) == CC_BY
    assert len(set(graph.objects(catalog, DCTERMS.language))) == 3
    events = URIRef("http://events.test/api/v1/events")
    assert set(graph.objects(events, DCAT.theme))
    access = {str(graph.value(d, DCAT.accessURL)) for d in graph.objects(events, DCAT.distribution)}
    assert {
        "http://events.test/api/v1/events",
        "http://events.test/feeds/all.ics",
        "http://events.test/feeds/themes/education.ics",
        "http://events.test/",
    } <= access
    results = URIRef("http://events.test/api/v1/events/past-forum/results")
    downloads = {str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(results, DCAT.distribution)}
    assert downloads == {f"{results}.csv", f"{results}.json"}
    for distribution in graph.objects(results, DCAT.distribution):
        assert graph.value(distribution, DCTERMS.license) == CC_BY


def test_the_validator_finds_what_dcat_ap_requires(client):
    graph = catalogue_graph(client)
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    graph.remove((catalog, DCTERMS.title, None))
    conforms, report = shacl_results(graph)
    assert not conforms and "title" in report


def test_the_licence_is_configurable(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_LICENCE", "https://creativecommons.org/publicdomain/zero/1.0/")
    graph = catalogue_graph(client)
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    assert graph.value(catalog, DCTERMS.license) == URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    assert shacl_results(graph)[0]


def test_the_results_are_aggregates_with_small_counts_protected(client):
    event = past_event_with_results()
    response = client.get(f"/api/v1/events/{event.slug}/results.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_record: dict[str, list[dict]] = {}
    for row in rows:
        by_record.setdefault(row["record"], []).append(row)
    assert [r["count"] for r in by_record["registered"]] == ["7"]
    assert [r["count"] for r in by_record["checked_in"]] == ["7"]
    # 6 from Brussels-City and 1 from Ixelles: the 1 is hidden, and the 6 with it (or the total would give it).
    assert [(r["answer"], r["count"]) for r in by_record["reach_by_commune"]] == [
        (get_commune("21004").name("fr"), "hidden"),
        (get_commune("21009").name("fr"), "hidden"),
    ]
    assert [r["count"] for r in by_record["answers"]] == ["18"]
    assert [(r["answer"], r["count"]) for r in by_record["poll_result"]] == [
        ("Écoles", "12"),
        ("Bibliothèques", "<5"),
        ("Musées", "<5"),
    ]
    assert {(r["kind"], r["count"]) for r in by_record["contributions"]} == {("ideas", "0"), ("questions", "0")}
    assert "Person" not in response.get_data(as_text=True) and "@example.org" not in response.get_data(as_text=True)
    document = client.get(f"/api/v1/events/{event.slug}/results.json").get_json()
    assert document["event"] == event.slug and document["records"] == rows


def test_results_exist_only_once_the_event_is_over(client):
    upcoming = make_event()
    db.session.commit()
    assert client.get(f"/api/v1/events/{upcoming.slug}/results.csv").status_code == 404
    assert client.get("/api/v1/events/no-such-event/results.json").status_code == 404


@pytest.mark.parametrize("fmt", ["xml", "csv.exe"])
def test_unknown_formats_are_404(client, fmt):
    event = past_event_with_results()
    assert client.get(f"/api/v1/events/{event.slug}/results.{fmt}").status_code == 404


def test_the_results_carry_an_opinion_map_as_group_sizes_never_its_statements(client):
    from eventapp.participation import opinions
    from tests.participation.opinion_rooms import planted_room

    event = past_event_with_results()
    session = event.sessions[0]
    organiser = make_organiser(event)
    activity = make_activity(session, organiser, ActivityKind.OPINIONS)
    planted = planted_room(2, people=40, statements=10, noise=0.05, coverage=(0.8, 1.0), seed=3)
    statements = [
        opinions.seed_statement(organiser, activity, f"Secret statement {j}", language="fr", now=utcnow())
        for j in range(10)
    ]
    people = [participation.join_as_guest(session, now=utcnow()) for _ in range(40)]
    for p, s, vote in planted.votes:
        opinions.react(people[p], statements[s], {1: "agree", -1: "disagree", 0: "pass"}[vote], now=utcnow())
    opinions.recompute_stale_maps(now=utcnow())
    db.session.commit()

    text = client.get(f"/api/v1/events/{event.slug}/results.csv").get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["kind"] == "opinions"]
    groups = [(r["answer"], r["count"]) for r in rows if r["record"] == "opinion_group"]
    # The two groups of the 40 people, each of 5 or more: shown (a smaller one would hide both).
    counts = [count for _, count in groups]
    assert len(groups) == 2
    assert sum(map(int, counts)) == 40 and min(map(int, counts)) >= 5
    assert [r["count"] for r in rows if r["record"] == "opinion_placed"] == ["40"]
    assert [r["record"] for r in rows].count("opinion_consensus") == 1
    assert "Secret statement" not in text
