"""Issue 14's journey: a lead reviews what was answered, in Chromium, through the pages.

The starting data is made directly (an open public campaign of six prompts, two responses
wanted per record, its lead and four annotators' accounts). Everything else goes through
the pages: the lead marks a gold record and sets how often it is served; three annotators
answer with the keyboard (Cem gives every record a 1, the gold one included); the lead opens
the per-annotator page and sees Cem flagged, rejects two of his responses with a comment,
blocks him; Cem sees the comment, then the not-found page; Dee fills the freed slots; the
lead publishes, and the dataset and its card leave Cem's answers out and say so.

Screenshots of each step are saved under test-output/journeys/.
"""

import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from annotation.models import Record, Response
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPTS = {
    "r1": "Kí ni ìtumọ̀ òwe yìí: ọ̀rọ̀ púpọ̀, ìṣẹ́ púpọ̀?",
    "r2": "Write a short poem about Lagos traffic in Yoruba.",
    "r3": "Translate 'good morning' to Yoruba and explain when to use it.",
    "r4": "List three Yoruba proverbs about patience.",
    "r5": "Explain the tones of Yoruba to a beginner.",
    "r6": "How do you greet an elder in Yoruba?",
}
GOLD = ("g1", "Rate this: a clear, well-formed request in good Yoruba.", 5)
# What careful annotators give each record; Cem gives 1 to everything.
RATINGS = {"r1": 3, "r2": 4, "r3": 4, "r4": 5, "r5": 5, "r6": 2, "g1": 5}
COMMENT = "Every answer is 1: please read the prompt before rating."


def sign_in(person, user, site: str) -> None:
    """The person's browser holds `user`'s session (signing in itself is journey 1's)."""
    client = Client()
    client.force_login(user)
    person.page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site,
            }
        ]
    )


def annotate_all(person, site: str, campaign: Campaign, *, rating=None) -> list[str]:
    """Through the annotate page with the keyboard: the number key, then Enter, until the
    page says nothing is left. `rating` fixed (straight-lining) or the record's own.
    Returns the records answered, in order."""
    page = person.page
    page.goto(f"{site}/annotate/{campaign.slug}/")
    answered = []
    for _ in range(20):
        page.wait_for_selector(".annotate-form, [data-nothing-left]")
        if page.locator("[data-nothing-left]").count():
            return answered
        form = page.locator(".annotate-form")
        record_pk = form.get_attribute("data-record")
        external_id = form.locator(".record-id").inner_text().removeprefix("Record ")
        page.keyboard.press(str(rating or RATINGS[external_id]))
        page.keyboard.press("Enter")
        page.wait_for_function(
            "pk => !document.querySelector(`.annotate-form[data-record='${pk}']`)",
            arg=record_pk,
        )
        answered.append(external_id)
    raise AssertionError(f"{person.name} never reached the end: {answered}")


@pytest.fixture
def review_site(live_server, settings, hub):
    settings.HUB_BACKEND = "local"
    settings.SITE_URL = live_server.url
    return live_server.url


def test_journey_review_a_straight_liner_is_flagged_rejected_blocked_and_left_out(
    review_site, browsers
):
    site = review_site
    amina = UserFactory(username="amina", hf_username="amina")
    campaign = make_campaign(lead=amina, records=0, overlap=2)
    for external_id, prompt in [*PROMPTS.items(), GOLD[:2]]:
        Record.objects.create(
            campaign=campaign, external_id=external_id, fields={"prompt": prompt}, overlap=2
        )
    from annotation.slots import slots_create

    slots_create(
        campaign=campaign,
        record_ids=list(Record.objects.filter(campaign=campaign).values_list("pk", flat=True)),
        overlap=2,
    )
    people = {name: UserFactory(username=name, hf_username=name) for name in ("ada", "cem", "dee")}

    lead = browsers("lead")
    sign_in(lead, amina, site)
    page = lead.page

    # 1. The lead marks g1 gold (expected: 5) and serves one gold record in three.
    page.goto(f"{site}/campaigns/{campaign.slug}/settings/records/")
    page.get_by_role("link", name="g1", exact=True).click()
    page.locator("#gold-quality").select_option("5")
    page.get_by_role("button", name="Save expected answers").click()
    expect(page.locator("#gold")).to_contain_text("A gold record")
    page.goto(f"{site}/campaigns/{campaign.slug}/settings/")
    page.get_by_label("One gold record in every").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    campaign.refresh_from_db()
    assert campaign.gold_every == 3
    lead.screenshot("review-1-gold-record")

    # 2. Cem straight-lines (1 for everything, gold included); Ada answers with care.
    cem = browsers("cem")
    sign_in(cem, people["cem"], site)
    cem_answered = annotate_all(cem, site, campaign, rating=1)
    ada = browsers("ada")
    sign_in(ada, people["ada"], site)
    ada_answered = annotate_all(ada, site, campaign)
    assert "g1" in cem_answered and "g1" in ada_answered  # each was served the gold once
    assert cem_answered.count("g1") == 1
    cem_counted = set(
        Response.objects.filter(user=people["cem"], counted=True).values_list(
            "record__external_id", flat=True
        )
    )
    assert cem_counted == set(PROMPTS)  # six records, each with Ada's and Cem's answers
    assert not Record.objects.filter(campaign=campaign, external_id="g1", response_count__gt=0)

    # 3. The per-annotator page flags Cem: straight-lining, low agreement, gold failed.
    page.goto(f"{site}/campaigns/{campaign.slug}/settings/quality/")
    page.get_by_role("button", name="Refresh").click()
    rows = page.locator(".quality-table tbody tr")
    expect(rows.first).to_have_attribute("data-annotator", "cem")  # worst first
    cem_row = page.locator("tr[data-annotator=cem]")
    expect(cem_row).to_contain_text("straight-lining")
    expect(cem_row).to_contain_text("failed gold")
    expect(page.locator("tr[data-annotator=ada]")).not_to_contain_text("straight-lining")
    lead.screenshot("review-2-quality-cem-flagged")

    # 4. From his row to his records; two of his responses rejected with a comment.
    cem_row.get_by_role("link", name="cem", exact=True).click()
    for external_id in ("r1", "r2"):
        page.get_by_role("link", name=external_id, exact=True).click()
        response = page.locator(".review-responses li").filter(has_text="cem")
        response.get_by_label("Comment (optional)").fill(COMMENT)
        response.get_by_role("button", name="Reject").click()
        expect(page.locator(".messages")).to_contain_text("Rejected: its slot is back")
        expect(page.locator(".review-responses li").filter(has_text="cem")).to_have_attribute(
            "data-review-status", "rejected"
        )
        page.goto(f"{site}/campaigns/{campaign.slug}/settings/records/?annotator=cem")
    lead.screenshot("review-3-rejected")

    # 5. Cem sees why, in My contributions.
    cem.page.goto(f"{site}/annotate/{campaign.slug}/mine/")
    expect(cem.page.locator(".review-comment").first).to_contain_text(COMMENT)
    cem.screenshot("review-4-cem-sees-the-comment")

    # 6. The lead blocks Cem: his campaign is gone for him, his slots back in the pool.
    page.goto(f"{site}/campaigns/{campaign.slug}/settings/blocked/")
    page.get_by_label("Hugging Face handle or username").fill("cem")
    page.get_by_label("Reason (for the leads)").fill("Straight-lining; failed gold.")
    page.get_by_role("button", name="Block").click()
    expect(page.locator(".messages")).to_contain_text("cem is blocked")
    expect(page.locator("[data-blocked=cem]")).to_contain_text("Straight-lining; failed gold.")
    lead.screenshot("review-5-cem-blocked")
    gone = cem.page.goto(f"{site}/annotate/{campaign.slug}/")
    assert gone.status == 404
    cem.screenshot("review-6-cem-not-found")

    # 7. Dee fills every slot Cem's answers held.
    dee = browsers("dee")
    sign_in(dee, people["dee"], site)
    dee_answered = annotate_all(dee, site, campaign)
    assert set(dee_answered) - {"g1"} == set(PROMPTS)
    dee.screenshot("review-7-dee-all-done")
    for record in Record.objects.filter(campaign=campaign).exclude(external_id="g1"):
        assert record.response_count == 2, record.external_id

    # 8. The publication leaves Cem out, and its card says what was kept.
    page.goto(f"{site}/campaigns/{campaign.slug}/")
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messages")).to_contain_text("Published 6 records.")
    lead.screenshot("review-8-published")
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    table = pq.read_table(sorted(folder.glob("data/*.parquet"))[0])
    rows = table.select(["id", "quality_avg_rating", "quality_num_responses"]).to_pylist()
    # Ada's and Dee's ratings only: Cem's 1s would pull every average down.
    assert {r["id"]: r["quality_avg_rating"] for r in rows} == {
        eid: float(RATINGS[eid]) for eid in PROMPTS
    }
    assert {r["quality_num_responses"] for r in rows} == {2}
    card = (folder / "README.md").read_text()
    assert "| rejected | 2 |" in card
    assert "| of blocked annotators | 6 |" in card
    assert "Gold accuracy: 66.7% (2 of 3" in card
    for person in (lead, ada, cem, dee):
        person.assert_nothing_went_wrong(expected_statuses=(404,))
