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

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".browser-screenshots"


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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(10)
    SCREENSHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


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


def test_redoc_runs_under_the_policy(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/api/redoc/")

    heading = browser.find_element(By.CSS_SELECTOR, "h1")
    assert "Insurance distribution API" in heading.text
    browser.save_screenshot(str(SCREENSHOTS / "redoc.png"))
    # ReDoc sets a few style attributes, which the policy blocks harmlessly; no script of
    # another origin, and no inline script without the nonce, ever runs.
    assert csp_violations(browser, "script-src") == []


def test_admin_runs_under_the_policy(browser, live_server, admin_user, accepted_quote):
    from selenium.webdriver.common.by import By

    from policies.services import policy_issue

    policy = policy_issue(quote_id=accepted_quote.pk)
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys("password")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    assert browser.find_element(By.ID, "site-name")

    browser.get(f"{live_server.url}/admin/policies/policy/?q={policy.number}")
    browser.find_element(By.LINK_TEXT, policy.number).click()

    assert policy.number in browser.find_element(By.ID, "content").text
    browser.save_screenshot(str(SCREENSHOTS / "admin-policy.png"))
    assert csp_violations(browser) == []
