"""The docs and admin pages work in a real browser under the Content-Security-Policy.

Headless Chromium (Debian's `chromium` and `chromium-driver`) through Selenium, against the
live test server; `make test-browser` runs them (CI installs the browser). Screenshots go to
`.browser-screenshots/` (kept out of git).
"""

import shutil
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[1] / ".browser-screenshots"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(10)
    SCREENSHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def sign_in(browser, live_server) -> None:
    """Sign in to admin as the admin_user fixture, and wait until signed in."""
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()  # whatever an earlier test left
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys("password")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    browser.find_element(By.ID, "user-tools")  # only there once signed in


def outside_requests(browser, origin: str, *, blocked_too: bool = False) -> list[str]:
    """Every request the page made to anywhere but `origin`, except (unless `blocked_too`)
    those the browser refused to send (blocked by the Content-Security-Policy)."""
    import json

    events = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    blocked = {
        event["params"]["requestId"]
        for event in events
        if event["method"] == "Network.loadingFailed" and event["params"].get("blockedReason")
    }
    return [
        event["params"]["request"]["url"]
        for event in events
        if event["method"] == "Network.requestWillBeSent"
        and (blocked_too or event["params"]["requestId"] not in blocked)
        and not event["params"]["request"]["url"].startswith((origin, "data:", "blob:"))
    ]


def csp_violations(browser, directive: str = "") -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] and directive in entry["message"]
    ]


def test_swagger_ui_runs_under_the_policy(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/api/docs/")

    title = browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title")
    assert "Insurance distribution API" in title.text
    assert browser.find_elements(By.CSS_SELECTOR, ".opblock")  # the operations rendered
    browser.save_screenshot(str(SCREENSHOTS / "swagger-ui.png"))
    assert csp_violations(browser) == []
    assert outside_requests(browser, live_server.url) == []


def test_redoc_runs_under_the_policy(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/api/redoc/")

    heading = browser.find_element(By.CSS_SELECTOR, "h1")
    assert "Insurance distribution API" in heading.text
    browser.find_element(By.PARTIAL_LINK_TEXT, "API docs by Redocly")  # the menu's foot
    # Nothing is even tried elsewhere: ReDoc's logo from its CDN is drawn from this page.
    assert outside_requests(browser, live_server.url, blocked_too=True) == []
    assert csp_violations(browser, "img-src") == []
    browser.save_screenshot(str(SCREENSHOTS / "redoc.png"))
    # ReDoc sets a few style attributes, which the policy blocks harmlessly; no script of
    # another origin, and no inline script without the nonce, ever runs.
    assert csp_violations(browser, "script-src") == []


def test_admin_runs_under_the_policy(browser, live_server, admin_user, accepted_quote):
    from selenium.webdriver.common.by import By

    from policies.services import policy_issue

    policy = policy_issue(quote_id=accepted_quote.pk)
    sign_in(browser, live_server)

    browser.get(f"{live_server.url}/admin/policies/policy/?q={policy.number}")
    browser.find_element(By.LINK_TEXT, policy.number).click()

    assert policy.number in browser.find_element(By.ID, "content").text
    browser.save_screenshot(str(SCREENSHOTS / "admin-policy.png"))
    assert csp_violations(browser) == []


@pytest.mark.parametrize("pasted", ["{key}", "Token {key}"])
def test_swagger_ui_authorizes_with_a_partner_token_and_runs_create_and_search(
    browser, live_server, partner, pasted
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    from customers.tests.factories import partner_token

    token = partner_token(partner)
    wait = WebDriverWait(browser, 10)
    browser.get(f"{live_server.url}/api/docs/")
    browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
    dialog_inputs = browser.find_elements(By.CSS_SELECTOR, ".modal-ux input")
    assert len(dialog_inputs) == 1  # the partner token only, no session cookie scheme
    dialog_inputs[0].send_keys(pasted.format(key=token))  # the key alone, or as in curl
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper .authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .btn-done").click()

    def run(operation: str, fill=None) -> str:
        block = browser.find_element(By.ID, operation)
        block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        wait.until(shown.element_to_be_clickable((By.CSS_SELECTOR, f"#{operation} .try-out__btn")))
        block.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
        if fill:
            fill(block)
        block.find_element(By.CSS_SELECTOR, ".execute").click()
        status = wait.until(
            lambda _: block.find_elements(
                By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"
            )
        )
        return status[0].text.strip()

    created = run("operations-Customers-customers_create")  # the example body, as shown
    searched = run(
        "operations-Published_contracts-search_list",
        lambda block: block.find_element(By.CSS_SELECTOR, "input[placeholder='name']").send_keys(
            "sto"
        ),
    )

    browser.save_screenshot(str(SCREENSHOTS / "swagger-ui-run.png"))
    assert (created, searched) == ("201", "200")
    from customers.models import Customer

    assert Customer.objects.filter(partner=partner, last_name="Stokes").count() == 1


def test_staff_find_a_customer_and_read_the_policys_story(
    browser, live_server, admin_user, accepted_quote
):
    from selenium.webdriver.common.by import By

    from policies.services import policy_issue

    policy = policy_issue(quote_id=accepted_quote.pk)
    sign_in(browser, live_server)

    browser.get(f"{live_server.url}/admin/customers/customer/?q=Stokes")
    browser.find_element(By.LINK_TEXT, str(accepted_quote.customer_id)).click()
    policies = browser.find_element(By.ID, "policies-group")
    assert policy.number in policies.text
    policies.find_element(By.CSS_SELECTOR, "a.inlinechangelink").click()
    story = browser.find_element(By.CSS_SELECTOR, ".field-story").text

    browser.save_screenshot(str(SCREENSHOTS / "admin-story.png"))
    assert "Quoted on" in story and "Active on" in story
    assert "Paid 100.00 AED by card" in story


def test_the_dashboard_renders_its_charts(browser, live_server, admin_user, accepted_quote):
    from selenium.webdriver.common.by import By

    from policies.services import policy_issue

    policy_issue(quote_id=accepted_quote.pk)
    sign_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/dashboard/")

    charts = browser.find_elements(By.CSS_SELECTOR, ".chart svg rect")
    browser.save_screenshot(str(SCREENSHOTS / "dashboard.png"))
    assert len(charts) == 4 * 30  # a bar a day for each measure
    values = browser.find_elements(By.CSS_SELECTOR, ".chart svg text.value")
    assert [value.text for value in values] == ["1", "1", "100"]  # quotes, sold, premium
    assert browser.find_elements(By.CSS_SELECTOR, ".chart svg text.month")
    assert "Premium written (AED), by day" in browser.find_element(By.ID, "content").text
    assert browser.find_element(By.ID, "conversion").text == "100.0 %"
    assert csp_violations(browser) == []


def test_staff_correct_a_policyholders_name_in_admin(
    browser, live_server, admin_user, accepted_quote
):
    from selenium.webdriver.common.by import By

    from customers.models import Customer
    from policies.services import policy_issue

    policy_issue(quote_id=accepted_quote.pk)
    customer = accepted_quote.customer
    sign_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")

    assert browser.find_element(By.NAME, "dob").get_attribute("value") == f"{customer.dob:%d-%m-%Y}"
    name = browser.find_element(By.NAME, "first_name")
    name.clear()
    name.send_keys("Benjamin")
    browser.find_element(By.NAME, "_continue").click()

    browser.find_element(By.CSS_SELECTOR, ".messagelist .success")
    browser.save_screenshot(str(SCREENSHOTS / "admin-customer-saved.png"))
    assert Customer.objects.get(pk=customer.pk).first_name == "Benjamin"
