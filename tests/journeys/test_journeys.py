"""The product's six journeys, each through the real pages in Chromium, with the Hub
stand-in behind the site (sign-in with Hugging Face included).

Only the starting data is made directly: the open cohort and the organiser's local
account. Everything else is done the way people do it (links, forms, buttons, keys); a
journey that needs an earlier one's outcome (an approved campaign, imported records…)
walks the earlier journeys' steps first, through the same pages, so every journey stands
alone and together they are the programme end to end:

    1 the lead applies → 2 an organiser approves → 3 the lead imports and opens
    → 4 two annotators annotate with the keyboard → 6 the lead publishes;
    5 someone outside the organisation is shown the not-found page.

Each journey saves a screenshot of its last page under test-output/journeys/.
"""

import csv
import io
import re
from dataclasses import dataclass

import pyarrow.parquet as pq
import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import User
from annotation.models import ImportJob, Record, Response, Skip
from campaigns.models import Application, Campaign
from campaigns.publishing.models import Publication
from cohorts.models import Cohort
from tests.campaigns.programme import make_cohort, make_organiser, organisers_group
from tests.hub.provisioning_support import drive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORG = "yoruba-nlp"
TITLE = "Yoruba prompts"
NOTE = "Welcome aboard! Start with the proverbs."
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
PROMPTS = {
    "p1": "Kí ni ìtumọ̀ òwe yìí: ọ̀rọ̀ púpọ̀, ìṣẹ́ púpọ̀?",
    "p2": "Write a short poem about Lagos traffic in Yoruba.",
    "p3": "Translate 'good morning' to Yoruba and explain when to use it.",
    "p4": "List three Yoruba proverbs about patience.",
    "p5": "Explain the tones of Yoruba to a beginner.",
    "p6": "How do you greet an elder in Yoruba?",
}


# --- the cast ------------------------------------------------------------------------------
def hf_identity(site: str, username: str, *, orgs=(), n: int) -> dict:
    """A Hugging Face account as the stand-in's userinfo tells it. Avatars are served by
    this site, so that a page asking for anything elsewhere shows up in blocked_urls."""
    avatar = f"{site}/static/favicon.svg"
    return {
        "sub": f"60d0c0ffee00000000000{n:03d}",
        "preferred_username": username,
        "name": username.title(),
        "picture": avatar,
        "orgs": [
            {"preferred_username": org, "name": "Yoruba NLP", "roleInOrg": role, "picture": avatar}
            for org, role in orgs
        ],
    }


@dataclass
class Cast:
    site: str
    hub: object
    outbox: list
    cohort: object
    organiser: object
    lead: dict
    bola: dict
    chidi: dict
    outsider: dict


@pytest.fixture
def cast(site, hub, mailoutbox):
    """The starting data: an open cohort, an organiser (local account), and the Hugging
    Face accounts of the lead (admin of the organisation), two annotators (members) and
    someone from outside it."""
    organisers_group()
    return Cast(
        site=site,
        hub=hub,
        outbox=mailoutbox,
        # These journeys follow the Argilla Space's build (new cohorts default to static).
        cohort=make_cohort(
            name="Spring 2027", slug="spring-2027", capacity=3, space_kind="argilla"
        ),
        organiser=make_organiser(username="olga", email="olga@example.org"),
        lead=hf_identity(site, "amina", orgs=[(ORG, "admin")], n=1),
        bola=hf_identity(site, "bola", orgs=[(ORG, "read")], n=2),
        chidi=hf_identity(site, "chidi", orgs=[(ORG, "write")], n=3),
        outsider=hf_identity(site, "dave", orgs=[("other-org", "admin")], n=4),
    )


# --- steps shared by the journeys ----------------------------------------------------------
def nav(page, name: str):
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def who_is_who() -> dict:
    """For a failure message: the accounts, their organisations, and who applied."""
    people = {
        user.pk: (
            user.hf_username or user.username,
            [m.org_handle for m in user.org_memberships.all()],
        )
        for user in User.objects.prefetch_related("org_memberships")
    }
    applicants = list(Application.objects.values_list("applicant_id", flat=True))
    return {"people": people, "applicants": applicants}


def hf_sign_in(cast: Cast, person, identity: dict, *, expect_path: str) -> None:
    """From the sign-in page the person is on: "Sign in with Hugging Face", the Hub's
    authorize page (the stand-in, answering as `identity`), and back at `expect_path`."""
    page = person.page
    cast.hub.oidc_login_as(**identity)
    page.get_by_role("button", name="Sign in with Hugging Face").click()
    page.wait_for_url(f"{cast.site}{expect_path}")
    account = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=identity["preferred_username"], exact=True
    )
    expect(account).to_be_visible()


def hf_sign_in_from_home(cast: Cast, person, identity: dict) -> None:
    person.page.goto(f"{cast.site}/")
    person.page.get_by_role("link", name="Sign in", exact=True).click()
    hf_sign_in(cast, person, identity, expect_path="/")


def lead_applies(cast: Cast, lead, *, public: bool = False) -> Application:
    """Journey 1's steps: from the home page to a submitted application (for members of
    the organisation only, unless `public`)."""
    page = lead.page
    page.goto(f"{cast.site}/")
    nav(page, "Cohorts")
    page.get_by_role("link", name="Spring 2027").click()
    page.get_by_role("link", name="Sign in to apply").click()
    hf_sign_in(cast, lead, cast.lead, expect_path="/applications/new/spring-2027/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to Spring 2027")
    page.get_by_label("Apply on behalf of").select_option(ORG)
    page.get_by_label("Campaign title").fill(TITLE)
    page.get_by_label("Summary").fill("Rate prompts written in Yoruba, for a Yoruba chat model.")
    page.get_by_label(re.compile(r"^Task:?$")).select_option(label="Prompt ranking")
    page.get_by_label("Languages").fill("yo, en")
    page.get_by_label("Target number of records").fill("10")
    # One response per record: the two annotators of journey 4 share the records.
    page.get_by_label("Responses wanted per record").fill("1")
    if public:
        page.get_by_label("Public: anyone may contribute").check()
    else:
        page.get_by_label("Only members of one organisation").check()
        page.get_by_label("Organisation whose members may contribute").select_option(ORG)
    page.get_by_label("First draft of the guidelines").fill("Rate each prompt from 1 to 5.")
    page.get_by_label("Contact").fill("amina@example.test")
    page.get_by_role("button", name="Save and submit").click()

    expect(page.locator(".messages")).to_contain_text("Application submitted")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    application = Application.objects.get(title=TITLE)
    assert application.state == Application.State.SUBMITTED
    assert application.community.handle == ORG
    assert application.applicant.hf_username == "amina"
    return application


def organiser_approves(cast: Cast, organiser, application: Application) -> None:
    """Journey 2's admin part: sign in to admin, find the application, approve it with
    a note through the confirmation page."""
    page = organiser.page
    page.goto(f"{cast.site}/admin/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Applications").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Approve…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Approve applications")
    expect(page.locator("#content")).to_contain_text(f"{TITLE} — {ORG}, Spring 2027")
    page.get_by_label("Note to the applicant").fill(NOTE)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(f"Approved 1: “{TITLE}”.")
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert application.decision_note == NOTE


def decision_email_link(cast: Cast) -> str:
    to_lead = [m for m in cast.outbox if m.to == ["amina@example.test"]]
    assert len(to_lead) == 1, [(m.to, m.subject) for m in cast.outbox]
    body = to_lead[0].body
    assert "approved" in body and NOTE in body
    return re.search(rf"{re.escape(cast.site)}/applications/\d+/", body).group(0)


def lead_finds_the_ready_campaign(cast: Cast, lead) -> Campaign:
    """Journey 2's lead part: the link in the e-mail, the application, the campaign."""
    page = lead.page
    page.goto(decision_email_link(cast))
    expect(page.locator(".next-step")).to_contain_text(NOTE)
    page.get_by_role("link", name=TITLE).click()
    campaign = Campaign.objects.get(application__title=TITLE)
    page.wait_for_url(f"{cast.site}/campaigns/{campaign.slug}/")
    provisioning = page.locator("[data-provisioning-state]")
    expect(provisioning).to_have_attribute("data-provisioning-state", "skipped")
    expect(provisioning).to_contain_text("The campaign is ready")
    expect(page.locator(".campaign-header .badge[data-state]")).to_have_text("Ready")
    return campaign


def records_csv(rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "prompt", "source"])
    for external_id, prompt in rows.items():
        writer.writerow([external_id, prompt, "workshop"])
    return out.getvalue().encode()


def upload(page, name: str, content: bytes) -> None:
    """Choose the file, see its columns and first rows, map them, import."""
    form = page.locator("form").filter(has=page.get_by_role("heading", name="Upload a file"))
    form.get_by_label("File").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    form.get_by_role("button", name="Read the file").click()
    mapping = page.locator(".import-mapping")
    expect(mapping.get_by_role("heading")).to_have_text(f"Map the columns of {name}")
    expect(mapping.locator("thead th")).to_have_text(["id", "prompt", "source"])
    expect(mapping.locator("tbody tr").first.locator("td")).to_have_text(
        ["p1", PROMPTS["p1"], "workshop"]
    )
    # Same-named columns are chosen already; the lead picks the id and the metadata.
    expect(mapping.get_by_label("Field “Prompt”")).to_have_value("prompt")
    mapping.get_by_label("External id").select_option("id")
    mapping.get_by_role("checkbox", name="source").check()
    mapping.get_by_role("button", name="Import file").click()


def lead_imports_and_opens(
    cast: Cast, lead, campaign: Campaign, *, state_before: str = "Ready"
) -> None:
    """Journey 3's steps: a file with a bad row, the row reported, the fixed file, the
    campaign opened to annotators (from `state_before`)."""
    page = lead.page
    page.goto(f"{cast.site}/campaigns/{campaign.slug}/")
    page.get_by_role("link", name="Campaign settings").click()
    page.get_by_role("navigation", name="Campaign settings").get_by_role(
        "link", name="Import records"
    ).click()

    broken = dict(PROMPTS, p3="")  # line 4 of the file: the prompt is missing
    upload(page, "prompts.csv", records_csv(broken))
    expect(page.locator(".messages")).to_contain_text("The import stopped; below is where")
    job = page.locator(".import-job").first
    expect(job).to_have_attribute("data-state", "failed")
    expect(job.locator("[data-field=error]")).to_have_text(
        "Line 4: the required field 'prompt' (column 'prompt') is empty. "
        "The 2 rows before it were imported."
    )
    imported = Record.objects.filter(campaign=campaign).values_list("external_id", flat=True)
    assert sorted(imported) == ["p1", "p2"]  # the batch before the bad row, as it says

    upload(page, "prompts-fixed.csv", records_csv(PROMPTS))
    expect(page.locator(".messages")).to_contain_text("Imported 6 rows: 4 new, 2 updated.")
    job = page.locator(".import-job").first
    expect(job).to_have_attribute("data-state", "succeeded")
    expect(job).to_contain_text("prompts-fixed.csv")
    expect(job).to_contain_text("6 of 6 rows · 4 new, 2 updated")
    expect(page.locator(".import-job")).to_have_count(2)

    page.get_by_role("link", name="Overview").click()
    expect(page.locator("#state-title .badge")).to_have_text(state_before)
    page.get_by_role("button", name="Open to annotators").click()
    expect(page.locator(".messages")).to_contain_text("The campaign is now Open.")
    page.get_by_role("link", name="← Campaign page").click()
    expect(page.locator(".campaign-header .badge[data-state]")).to_have_text("Open")
    expect(page.get_by_role("link", name="Start annotating")).to_be_visible()


# The rating each record deserves; whoever is shown it gives it (one response per record).
RATINGS = {"p1": 3, "p2": 4, "p3": 1, "p4": 5, "p5": 5, "p6": 2}


def current_record(page) -> str:
    return page.locator(".annotate-form .record-id").inner_text().removeprefix("Record ")


def annotate_one(person, *, skip: set, hasty: set, log: list) -> str:
    """One step with the keyboard only: on a record, its number key then Enter (S for the
    records in `skip`; Enter too early first for those in `hasty`); on "All taken for now",
    Tab to "Try again" and Enter. Returns what the page showed: "record", "busy", "done"."""
    page = person.page
    page.wait_for_selector(".annotate-form, [data-nothing-left]")
    nothing = page.locator("[data-nothing-left]")
    if nothing.count():
        reason = nothing.get_attribute("data-nothing-left")
        if reason == "busy":
            again = page.get_by_role("link", name="Try again")
            for _ in range(30):
                page.keyboard.press("Tab")
                if again.evaluate("el => el === document.activeElement"):
                    break
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.evaluate("window.sameAnnotatePage = true")
        return reason
    record_pk = page.locator(".annotate-form").get_attribute("data-record")
    external_id = current_record(page)
    if external_id in skip:
        skip.discard(external_id)
        page.keyboard.press("s")
        log.append((person.name, external_id, None))
    else:
        if external_id in hasty:  # Enter before choosing: told so, on the same record
            hasty.discard(external_id)
            page.keyboard.press("Enter")
            alert = page.locator(".annotate-form [role=alert]")
            expect(alert).to_contain_text("Some answers need a look")
            expect(alert).to_be_focused()
            assert current_record(page) == external_id
        rating = RATINGS[external_id]
        page.keyboard.press(str(rating))
        checked = page.locator(".annotate-form input[type=radio]:checked")
        expect(checked).to_have_value(str(rating))
        expect(checked).to_be_focused()
        page.keyboard.press("Enter")
        log.append((person.name, external_id, rating))
    # The next record (or the end) replaces this one without a page load.
    page.wait_for_function(
        "pk => !document.querySelector(`.annotate-form[data-record='${pk}']`)", arg=record_pk
    )
    assert page.evaluate("window.sameAnnotatePage") is True, "the page was reloaded"
    return "record"


def annotators_work(cast: Cast, bola, chidi, campaign: Campaign) -> list:
    """Journey 4's steps: both sign in with Hugging Face, open the campaign from the list,
    and take turns through the records with the keyboard until nothing is left. Returns
    who did what: (annotator, record, rating or None for a skip)."""
    for person, identity in ((bola, cast.bola), (chidi, cast.chidi)):
        hf_sign_in_from_home(cast, person, identity)
        nav(person.page, "Campaigns")
        person.page.get_by_role("link", name=TITLE).click()
        person.page.get_by_role("link", name="Start annotating").click()
        person.page.wait_for_url(f"{cast.site}/annotate/{campaign.slug}/")
        # Gone if the page is ever reloaded: records must follow each other without.
        person.page.evaluate("window.sameAnnotatePage = true")

    # Bola holds the oldest record; Chidi, asking meanwhile, is handed the next one.
    assert current_record(bola.page) == "p1"
    assert current_record(chidi.page) == "p2"
    # The shortcut sheet opens and closes from the keyboard too.
    sheet = bola.page.locator("#shortcuts")
    expect(sheet).to_be_hidden()
    bola.page.keyboard.press("?")
    expect(sheet).to_be_visible()
    bola.page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    log: list = []
    # Bola skips p1; Chidi presses Enter on p2 before choosing a rating.
    turns = {"bola": (bola, {"p1"}, set()), "chidi": (chidi, set(), {"p2"})}
    done: set = set()
    for _ in range(40):
        for name, (person, skip, hasty) in turns.items():
            if name in done:
                continue
            if annotate_one(person, skip=skip, hasty=hasty, log=log) == "done":
                done.add(name)
        if len(done) == 2:
            break
    assert len(done) == 2, log
    return log


def lead_publishes(cast: Cast, lead, campaign: Campaign) -> None:
    page = lead.page
    page.goto(f"{cast.site}/campaigns/{campaign.slug}/")
    expect(page.locator(".publications")).to_contain_text("Nothing published yet")
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messages")).to_contain_text("Published 6 records.")


# --- the journeys ----------------------------------------------------------------------------
def test_journey_1_a_lead_applies_with_hugging_face(cast, browsers):
    lead = browsers("lead")
    application = lead_applies(cast, lead)

    # The organisers were told.
    to_organiser = [m for m in cast.outbox if m.to == ["olga@example.org"]]
    assert len(to_organiser) == 1 and TITLE in to_organiser[0].subject

    nav(lead.page, "My applications")
    row = lead.page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Spring 2027")
    expect(row).to_contain_text(ORG)
    expect(row).to_contain_text("Submitted")
    assert application.applicant.org_memberships.filter(org_handle=ORG, role="admin").exists()
    lead.assert_nothing_went_wrong()
    lead.screenshot("journey-1-my-applications")


def test_journey_2_an_organiser_approves_and_the_campaign_becomes_ready(
    cast, browsers, settings, hub
):
    # This journey provisions for real, against the Hub stand-in: the Space is still
    # building at the first check, so the lead sees the progress before it is ready.
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    hub.account_add("programme", paid=True)  # provisioning makes an Argilla (Docker) Space
    hub.new_space_stages = ["BUILDING", "BUILDING", "APP_STARTING", "RUNNING"]
    lead, organiser = browsers("lead"), browsers("organiser")
    application = lead_applies(cast, lead)
    cast.outbox.clear()

    organiser_approves(cast, organiser, application)
    # The admin shows the campaign the approval created, and its state.
    expect(organiser.page.locator(".field-campaign_link")).to_contain_text("Provisioning")
    assert len(cast.outbox) == 1  # the lead only

    # The lead follows the e-mail to the campaign: its Space is being built.
    page = lead.page
    page.goto(decision_email_link(cast))
    expect(page.locator(".next-step")).to_contain_text(NOTE)
    page.get_by_role("link", name=TITLE).click()
    campaign = Campaign.objects.get(application__title=TITLE)
    page.wait_for_url(f"{cast.site}/campaigns/{campaign.slug}/")
    badge = page.locator(".campaign-header .badge[data-state]")
    box = page.locator("[data-provisioning-state]")
    expect(badge).to_have_text("Provisioning")
    expect(box).to_have_attribute("data-provisioning-state", "waiting")
    expect(box).to_contain_text("Your Space is being built and started")
    expect(box.locator(".step-done")).to_have_count(5)
    expect(box.locator(".step-current")).to_contain_text("The Space starting up")
    expect(page.get_by_role("heading", name="Next steps")).to_have_count(0)
    lead.screenshot("journey-2-campaign-provisioning")

    # Workers check the Space again until it runs (the sweeper sends the delayed checks).
    assert drive(campaign.provisioning).state == "succeeded"
    page.reload()
    expect(badge).to_have_text("Ready")
    expect(box).to_have_attribute("data-provisioning-state", "succeeded")
    expect(box).to_contain_text("Your campaign's Space and dataset are ready.")
    expect(box.locator(".provisioning-links")).to_contain_text(campaign.repo_id)
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    organiser.page.reload()
    expect(organiser.page.locator(".field-campaign_link")).to_contain_text("Ready")

    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.READY
    assert campaign.visibility == "organisation" and campaign.visibility_org == ORG
    assert hub.space(campaign.repo_id).stage == "RUNNING"
    lead.assert_nothing_went_wrong()
    organiser.assert_nothing_went_wrong()
    lead.screenshot("journey-2-campaign-ready")


def test_journey_3_the_lead_imports_records_fixes_a_bad_row_and_opens(cast, browsers):
    lead, organiser = browsers("lead"), browsers("organiser")
    organiser_approves(cast, organiser, lead_applies(cast, lead))
    campaign = lead_finds_the_ready_campaign(cast, lead)

    lead_imports_and_opens(cast, lead, campaign)

    jobs = list(ImportJob.objects.filter(campaign=campaign).order_by("pk"))
    assert [j.state for j in jobs] == ["failed", "succeeded"]
    assert jobs[0].error_row == 4
    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert {k: r.fields["prompt"] for k, r in records.items()} == PROMPTS
    assert {r.metadata["source"] for r in records.values()} == {"workshop"}
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.OPEN
    lead.assert_nothing_went_wrong()
    lead.screenshot("journey-3-campaign-open")


def test_journey_4_two_annotators_work_with_the_keyboard(cast, browsers):
    lead, organiser = browsers("lead"), browsers("organiser")
    bola, chidi = browsers("bola"), browsers("chidi")
    organiser_approves(cast, organiser, lead_applies(cast, lead))
    campaign = lead_finds_the_ready_campaign(cast, lead)
    lead_imports_and_opens(cast, lead, campaign)

    log = annotators_work(cast, bola, chidi, campaign)

    responses = {
        (r.record.external_id, r.user.hf_username): r.values["quality"]
        for r in Response.objects.filter(record__campaign=campaign).select_related("record", "user")
        if r.status == Response.Status.SUBMITTED
    }
    assert len(responses) == Response.objects.filter(record__campaign=campaign).count()
    wanted = {(eid, name): rating for name, eid, rating in log if rating is not None}
    assert responses == wanted
    # Exactly the responses wanted: one per record, every record, none twice.
    assert sorted(eid for eid, _ in responses) == sorted(PROMPTS)
    assert {eid: rating for (eid, _), rating in responses.items()} == RATINGS
    # Bola's skip put p1 back in the pool, and Chidi took it.
    assert ("bola", "p1", None) in log and ("p1", "chidi") in responses
    assert list(
        Skip.objects.filter(record__campaign=campaign).values_list(
            "record__external_id", "user__hf_username"
        )
    ) == [("p1", "bola")]
    assert {r.response_count for r in Record.objects.filter(campaign=campaign)} == {1}
    for page in (bola.page, chidi.page):
        expect(page.locator("[data-nothing-left]")).to_have_attribute("data-nothing-left", "done")
    for person in (lead, organiser, bola):
        person.assert_nothing_went_wrong()
    chidi.assert_nothing_went_wrong(expected_statuses=(400,))  # the early Enter
    bola.screenshot("journey-4-bola-all-done")
    chidi.screenshot("journey-4-chidi-all-done")


def test_journey_5_a_non_member_gets_the_not_found_page(cast, browsers):
    lead, organiser, outsider = browsers("lead"), browsers("organiser"), browsers("dave")
    organiser_approves(cast, organiser, lead_applies(cast, lead))
    campaign = lead_finds_the_ready_campaign(cast, lead)
    campaign_url = lead.page.url

    page = outsider.page
    hf_sign_in_from_home(cast, outsider, cast.outsider)
    nav(page, "Campaigns")
    listed = page.get_by_role("link", name=TITLE).count()
    assert listed == 0, f"{page.url} lists the campaign to dave: {who_is_who()}"
    for url in (campaign_url, f"{cast.site}/annotate/{campaign.slug}/"):
        response = page.goto(url)
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.locator("main")).not_to_contain_text(TITLE)
        assert TITLE not in page.title()
    outsider.assert_nothing_went_wrong(expected_statuses=(404,))
    outsider.screenshot("journey-5-not-found")


def test_journey_6_the_lead_publishes_and_the_dashboard_shows_it(cast, browsers):
    lead, organiser = browsers("lead"), browsers("organiser")
    bola, chidi = browsers("bola"), browsers("chidi")
    organiser_approves(cast, organiser, lead_applies(cast, lead))
    campaign = lead_finds_the_ready_campaign(cast, lead)
    lead_imports_and_opens(cast, lead, campaign)
    annotators_work(cast, bola, chidi, campaign)

    lead_publishes(cast, lead, campaign)
    page = lead.page
    row = page.locator(".publication-list tbody tr").first
    expect(row).to_have_attribute("data-state", "succeeded")
    expect(page.locator(".last-publication")).to_contain_text("6 records")
    expect(page.locator("[data-stat=completed]")).to_have_text("6")
    expect(page.locator("[data-stat=responses]")).to_have_text("6")
    expect(page.locator("[data-stat=contributors]")).to_have_text("2")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 60
    assert page.locator(".chart rect.bar").count() >= 1  # today's responses
    expect(page.locator(".leaderboard li")).to_have_count(2)
    # The lead applied without choosing a hosting namespace: the cohort's holds the data.
    # Local hub folder: its place is shown as text (browsers do not open file:// links).
    expect(row).to_contain_text(campaign.repo_id)
    expect(row.locator(".local-path")).to_contain_text(str(settings.HUB_LOCAL_DIR))
    assert row.locator("a[href^='file:']").count() == 0
    assert campaign.repo_id == f"{settings.HUB_NAMESPACE}/{campaign.slug}"

    publication = Publication.objects.get(campaign=campaign)
    assert publication.state == "succeeded" and publication.rows == 6
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    table = pq.read_table(sorted(folder.glob("data/*.parquet"))[0])
    ratings = table.select(["id", "quality_avg_rating"]).to_pylist()
    published = {row["id"]: row["quality_avg_rating"] for row in ratings}
    assert published == {eid: float(rating) for eid, rating in RATINGS.items()}
    assert (folder / "README.md").read_text().startswith("---")
    for person in (lead, organiser, bola):
        person.assert_nothing_went_wrong()
    chidi.assert_nothing_went_wrong(expected_statuses=(400,))  # the early Enter
    lead.screenshot("journey-6-published-dashboard")


def test_journey_7_a_free_organisations_campaign_gets_a_static_space_showing_its_figures(
    cast, browsers, settings, hub
):
    # Provisioning for real against the stand-in, in the programme's organisation, which
    # has no paid plan (the stand-in answers 402 to a Docker Space there, as the Hub does):
    # the cohort gives its campaigns the free static page.
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    settings.SPACE_PAGE_MIN_INTERVAL_SECONDS = 0
    Cohort.objects.filter(pk=cast.cohort.pk).update(space_kind="static")
    assert not hub.account(settings.HUB_NAMESPACE).paid
    # The Space's commit does not land yet (the Hub answers 503 for now).
    hub.fail("commit", status=503, times=-1)
    lead, organiser = browsers("lead"), browsers("organiser")
    bola, chidi, visitor = browsers("bola"), browsers("chidi"), browsers("visitor")
    organiser_approves(cast, organiser, lead_applies(cast, lead, public=True))
    campaign = Campaign.objects.get(application__title=TITLE)
    assert campaign.provisioning.state == "waiting" and campaign.provisioning.step == "space"

    # The lead does not wait for the Space: imports and opens.
    lead.page.goto(decision_email_link(cast))
    lead_imports_and_opens(cast, lead, campaign, state_before="Provisioning")
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.OPEN
    assert campaign.provisioning.state == "waiting"  # still not committed

    # The Hub recovers; the retried step commits the page, and the Space runs at once.
    hub.faults.clear()
    assert drive(campaign.provisioning).state == "succeeded"
    space = hub.repo("space", campaign.repo_id)
    assert space.sdk == "static" and not space.private
    assert {"README.md", "index.html"} <= set(space.files)
    assert len([c for c in space.commits if c["summary"] != "initial commit"]) == 1
    committed = space.files["index.html"].decode()
    assert '<dd data-figure="responses">0</dd>' in committed  # nothing answered yet

    # Re-commits are coalesced (here: none within the hour), so the committed page stays
    # as it was while annotators work and the lead publishes.
    settings.SPACE_PAGE_MIN_INTERVAL_SECONDS = 3600
    annotators_work(cast, bola, chidi, campaign)
    lead_publishes(cast, lead, campaign)

    # The lead's campaign page, and the Space's page as the Hub serves it to anyone.
    page = lead.page
    page.goto(f"{cast.site}/campaigns/{campaign.slug}/")
    shown = {
        name: page.locator(f"[data-stat={name}]").inner_text()
        for name in ("completed", "responses", "contributors")
    }
    assert shown == {"completed": "6", "responses": "6", "contributors": "2"}
    space_page = visitor.page
    asked: list[str] = []
    space_page.on("request", lambda request: asked.append(request.url))
    space_page.goto(f"{hub.url}/static-spaces/{campaign.repo_id}/")
    expect(space_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    for name, value in shown.items():
        expect(space_page.locator(f"[data-figure={name}]")).to_have_text(value)
    expect(space_page.locator("[data-leaderboard] li")).to_have_count(2)
    contribute = space_page.get_by_role("link", name="Contribute")
    assert contribute.get_attribute("href") == f"{cast.site}/annotate/{campaign.slug}/"
    # The committed snapshot said 0: the public page brought its figures up to date from the
    # site's API, across origins (CORS).
    expect(space_page.locator("[data-figures-note]")).to_contain_text("brought up to date")
    assert any(url.startswith(f"{cast.site}/api/v1/") for url in asked), asked
    visitor.screenshot("journey-7-static-space-page")
    for person in (lead, organiser, bola, visitor):
        person.assert_nothing_went_wrong()
    chidi.assert_nothing_went_wrong(expected_statuses=(400,))  # the early Enter
