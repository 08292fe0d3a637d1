"""Walks one visitor journey through the shop and records what Fullstory would capture.

A `SessionRecorder` keeps the clock of the visit and turns page visits and interactions into
`Page`/`Event` records; the `walk_*` functions are the journeys (browse, purchase, abandon,
blog, support, admin, search, account). `Plan.problems` names the things that go wrong in
this visit; `Plan.consent` how the cookie banner behaves.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import ConsentTag, Event, EventKind, Page, PropValue
from .shop import (
    BANNER_TEXT,
    BLOG_POSTS,
    CMP_CONFIG,
    CMP_SCRIPT,
    COLLECTIONS,
    PRODUCTS,
    SEARCH_TERMS,
    SITE,
    Product,
)

JS_PRODUCT = f"{SITE}/assets/js/product-page.4f9c2e.js"
JS_CHECKOUT = f"{SITE}/assets/js/checkout.91b0d7.js"
JS_APP = f"{SITE}/assets/js/app.7d21aa.js"
JS_ADMIN = f"{SITE}/assets/js/admin.c3e8f1.js"

CONSENT_MODES = ("none", "accept", "reject", "settings", "fail-script", "fail-config", "fail-persist")


@dataclass
class Plan:
    journey: str
    problems: frozenset[str] = frozenset()
    consent: str = "none"  # one of CONSENT_MODES
    role: str = "customer"


@dataclass
class Outcome:
    revenue: float = 0.0


@dataclass
class SessionRecorder:
    rng: random.Random
    now_ms: int
    new_id: Callable[[], str]
    pages: list[Page] = field(default_factory=list)
    _events: list[Event] = field(default_factory=list)
    _page: tuple[str, str, str, int, str] | None = None  # url, title, referrer, start, id
    reshow_banner: int = 0  # pages on which a broken CMP shows the banner again

    # --- time -------------------------------------------------------------------------
    def wait(self, low: float = 1.5, high: float = 18.0) -> int:
        self.now_ms += int(self.rng.uniform(low, high) * 1000)
        return self.now_ms

    # --- pages ------------------------------------------------------------------------
    def visit(self, path: str, title: str, referrer: str | None = None) -> None:
        previous = self._page[0] if self._page else ""
        self._close_page()
        if self.pages or self._page:
            self.wait(0.4, 2.5)
        url = path if path.startswith("http") else SITE + path
        ref = previous if referrer is None else referrer
        self._page = (url, f"{title} | Acme Outfitters", ref, self.now_ms, self.new_id())
        self._events.append(Event("navigate", self.now_ms, target_text=url))
        if self.reshow_banner > 0:
            self.reshow_banner -= 1
            self.add(
                "element-seen", "Cookie banner", "div#onetrust-banner-sdk", consent="banner-reshown", low=0.3, high=1.2
            )

    def finish(self) -> tuple[Page, ...]:
        self.wait(3, 25)
        self._close_page()
        return tuple(self.pages)

    def _close_page(self) -> None:
        if self._page is None:
            return
        url, title, referrer, start, page_id = self._page
        end = self.now_ms + int(self.rng.uniform(0.5, 6.0) * 1000)
        load = int(self.rng.uniform(450, 2600))
        self.pages.append(Page(page_id, url, title, referrer, start, end, tuple(self._events), load_ms=load))
        self._page, self._events = None, []
        self.now_ms = end

    # --- interactions -----------------------------------------------------------------
    def add(
        self,
        kind: EventKind,
        text: str = "",
        selector: str = "",
        *,
        low: float = 1.5,
        high: float = 18.0,
        consent: ConsentTag = "",
        message: str = "",
        source_url: str = "",
        request_url: str = "",
        request_method: str = "",
        status: int = 0,
        click_count: int = 0,
        custom_name: str = "",
        properties: dict[str, PropValue] | None = None,
    ) -> Event:
        event = Event(
            kind,
            self.wait(low, high),
            target_text=text,
            selector=selector,
            message=message,
            source_url=source_url,
            request_url=request_url,
            request_method=request_method,
            status=status,
            click_count=click_count,
            custom_name=custom_name,
            properties=properties or {},
            consent=consent,
        )
        self._events.append(event)
        return event

    def click(self, text: str, selector: str, consent: ConsentTag = "") -> Event:
        return self.add("click", text, selector, consent=consent)

    def typed(self, label: str, selector: str, value: str) -> None:
        self.add("input-change", value, selector, properties={"field": label}, low=3, high=14)

    def console_error(self, message: str, source: str, consent: ConsentTag = "") -> None:
        self.add("console-error", message, "", message=message, source_url=source, low=0.1, high=0.9, consent=consent)

    def network_error(self, method: str, url: str, status: int, consent: ConsentTag = "") -> None:
        full = url if url.startswith("http") else SITE + url
        self.add(
            "network-error",
            "",
            "",
            request_url=full,
            request_method=method,
            status=status,
            low=0.2,
            high=1.5,
            consent=consent,
        )

    def rage(self, text: str, selector: str, consent: ConsentTag = "") -> None:
        self.add("rage-click", text, selector, click_count=self.rng.randint(4, 8), low=0.5, high=2.0, consent=consent)

    def custom(self, event_name: str, **props: PropValue) -> None:
        self.add("custom", event_name, "", custom_name=event_name, properties=dict(props), low=0.2, high=1.0)


# ---------------------------------------------------------------------------------------
# Consent banner behaviour on the landing page
# ---------------------------------------------------------------------------------------


def consent_flow(rec: SessionRecorder, mode: str) -> None:
    if mode == "none":
        return
    if mode == "fail-config":
        # The CMP cannot load its configuration, so no banner is rendered at all.
        rec.network_error("GET", CMP_CONFIG, 404, consent="cmp-error")
        rec.console_error(
            "OneTrust: failed to load consent configuration (404); banner not rendered", CMP_SCRIPT, consent="cmp-error"
        )
        return
    rec.add("element-seen", BANNER_TEXT, "div#onetrust-banner-sdk", consent="banner-shown", low=0.4, high=1.5)
    if mode == "accept":
        rec.click("Accept all", "button#onetrust-accept-btn-handler", consent="accept")
    elif mode == "reject":
        rec.click("Reject all", "button#onetrust-reject-all-handler", consent="reject")
    elif mode == "settings":
        rec.click("Cookie settings", "button#onetrust-pc-btn-handler", consent="settings")
        rec.click("Confirm my choices", "button.save-preference-btn-handler", consent="settings")
    elif mode == "fail-script":
        # The banner renders but its click handlers never attach: Accept does nothing.
        rec.console_error(
            "Uncaught TypeError: Cannot read properties of null (reading 'addEventListener')",
            CMP_SCRIPT,
            consent="cmp-error",
        )
        rec.add("dead-click", "Accept all", "button#onetrust-accept-btn-handler", consent="cmp-error")
        rec.rage("Accept all", "button#onetrust-accept-btn-handler", consent="cmp-error")
        rec.reshow_banner = 2
    elif mode == "fail-persist":
        # The choice is taken but not stored, so the banner comes back on the next page.
        rec.click("Reject all", "button#onetrust-reject-all-handler", consent="reject")
        rec.console_error(
            "Consent cookie OptanonConsent could not be written: SecurityError: The operation is insecure.",
            CMP_SCRIPT,
            consent="cmp-error",
        )
        rec.reshow_banner = 1


# ---------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------


def landing(rec: SessionRecorder, plan: Plan, default: tuple[str, str]) -> None:
    source = rec.rng.choice(("google", "direct", "direct", "instagram", "newsletter", "campaign"))
    path, title = default
    referrer = {
        "google": "https://www.google.com/",
        "instagram": "https://l.instagram.com/",
        "newsletter": "https://mail.google.com/",
        "direct": "",
        "campaign": "https://www.google.com/",
    }[source]
    if source == "campaign":
        path, title = "/collections/sale?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale", "Spring Sale"
    elif source == "newsletter" and "?" not in path:
        path += "?utm_source=newsletter&utm_medium=email"
    rec.visit(path, title, referrer)
    consent_flow(rec, plan.consent)


def product_page(rec: SessionRecorder, plan: Plan, product: Product, *, buy: bool) -> bool:
    """Returns True when the product ended up in the cart."""
    rec.visit(f"/products/{product.slug}", product.name)
    rec.custom("Product Viewed", productId=product.sku, name=product.name, price=product.price)
    if rec.rng.random() < 0.5:
        rec.add("element-seen", "Customer reviews", "section#product-reviews")
    if "dead_gallery" in plan.problems:
        rec.add("dead-click", "View larger", "div.product-gallery img.product-gallery__main")
    size = rec.rng.choice(("S", "M", "L", "XL"))
    rec.click(f"Size {size}", f"button.size-option[data-size='{size}']")
    if not buy:
        return False
    if "price_error" in plan.problems:
        rec.add("error-click", "Add to cart", "button#add-to-cart.btn.btn-primary")
        rec.console_error("TypeError: Cannot read properties of undefined (reading 'price')", JS_PRODUCT)
        rec.rage("Add to cart", "button#add-to-cart.btn.btn-primary")
        return False
    if "cart_500" in plan.problems:
        rec.add("error-click", "Add to cart", "button#add-to-cart.btn.btn-primary")
        rec.network_error("POST", "/api/cart/items", 500)
        rec.console_error("Error: Failed to add item to cart (500 Internal Server Error)", JS_APP)
        return False
    rec.click("Add to cart", "button#add-to-cart.btn.btn-primary")
    rec.custom("Added to Cart", productId=product.sku, price=product.price, quantity=1)
    return True


CHECKOUT_STAGES = ("cart", "information", "shipping", "payment", "confirmation")


def checkout(rec: SessionRecorder, plan: Plan, product: Product, stop_at: str | None) -> float:
    """Cart → information → shipping → payment → confirmation; returns the order revenue."""
    rec.visit("/cart", "Your Cart")
    if "coupon_fail" in plan.problems:
        rec.typed("Discount code", "input#discount-code", "SPRING20")
        rec.click("Apply", "button.discount-apply")
        rec.network_error("POST", "/api/cart/discount", 422)
        rec.rage("Apply", "button.discount-apply")
    elif rec.rng.random() < 0.3:
        rec.typed("Discount code", "input#discount-code", "WELCOME10")
        rec.click("Apply", "button.discount-apply")
        rec.custom("Coupon Applied", code="WELCOME10")
    if stop_at == "cart":
        return 0.0
    rec.click("Checkout", "a.cart__checkout.btn.btn-primary")
    rec.visit("/checkout/information", "Checkout – Information")
    rec.custom("Checkout Started", cartValue=product.price)
    rec.typed("Email", "input#email", "********")
    rec.typed("Address", "input#shipping-address1", "********")
    if stop_at == "information":
        return 0.0
    rec.click("Continue to shipping", "form#checkout-information button[type=submit]")
    rec.visit("/checkout/shipping", "Checkout – Shipping")
    if "shipping_503" in plan.problems:
        rec.network_error("GET", "/api/shipping/rates?country=US", 503)
        rec.console_error("Uncaught (in promise) Error: Shipping rates unavailable", JS_CHECKOUT)
        rec.add("dead-click", "Continue to payment", "form#checkout-shipping button[type=submit]")
        return 0.0
    rec.click("Standard (3–5 business days)", "input#shipping-standard")
    if stop_at == "shipping":
        return 0.0
    rec.click("Continue to payment", "form#checkout-shipping button[type=submit]")
    rec.visit("/checkout/payment", "Checkout – Payment")
    rec.typed("Card number", "input#card-number", "********")
    if "payment_decline" in plan.problems:
        rec.add("error-click", "Place order", "button#place-order")
        rec.network_error("POST", "/api/checkout/payment", 402)
        rec.console_error("PaymentError: Your card was declined (card_declined)", JS_CHECKOUT)
        rec.rage("Place order", "button#place-order")
        return 0.0
    if stop_at == "payment":
        return 0.0
    rec.click("Place order", "button#place-order")
    revenue = round(product.price + 7.95, 2)
    rec.visit("/checkout/confirmation", "Order Confirmed")
    order_id = f"AO-{rec.rng.randint(100000, 999999)}"
    rec.custom("Order Completed", orderId=order_id, revenue=revenue, items=1)
    rec.add("element-seen", "Thank you for your order!", "h1.confirmation__title")
    return revenue


def login(rec: SessionRecorder, plan: Plan, method: str) -> None:
    rec.visit("/account/login", "Sign In")
    rec.typed("Email", "input#login-email", "********")
    if "login_401" in plan.problems:
        rec.typed("Password", "input#login-password", "********")
        rec.add("error-click", "Sign in", "form#login button[type=submit]")
        rec.network_error("POST", "/api/auth/login", 401)
        rec.console_error("AuthError: Invalid credentials", JS_APP)
    rec.typed("Password", "input#login-password", "********")
    rec.click("Sign in", "form#login button[type=submit]")
    rec.custom("Login Success", method=method)


# ---------------------------------------------------------------------------------------
# Journeys
# ---------------------------------------------------------------------------------------


def walk_browse(rec: SessionRecorder, plan: Plan) -> Outcome:
    collection = rec.rng.choice(tuple(COLLECTIONS)[:4])
    landing(rec, plan, ("/", "Outdoor Clothing & Gear"))
    rec.click(COLLECTIONS[collection], f"nav.main-nav a[href='/collections/{collection}']")
    rec.visit(f"/collections/{collection}", COLLECTIONS[collection])
    if rec.rng.random() < 0.4:
        rec.click("Filter: Waterproof", "button.filter-chip[data-filter='waterproof']")
    candidates = [p for p in PRODUCTS if p.collection == collection] or list(PRODUCTS)
    for product in rec.rng.sample(candidates, k=min(len(candidates), rec.rng.randint(1, 3))):
        rec.click(product.name, f"a.product-card__link[href='/products/{product.slug}']")
        product_page(rec, plan, product, buy=False)
    return Outcome()


def walk_purchase(rec: SessionRecorder, plan: Plan, stop_at: str | None = None) -> Outcome:
    product = rec.rng.choice(PRODUCTS)
    landing(rec, plan, ("/", "Outdoor Clothing & Gear"))
    rec.click(COLLECTIONS[product.collection], f"nav.main-nav a[href='/collections/{product.collection}']")
    rec.visit(f"/collections/{product.collection}", COLLECTIONS[product.collection])
    rec.click(product.name, f"a.product-card__link[href='/products/{product.slug}']")
    if not product_page(rec, plan, product, buy=True):
        return Outcome()
    return Outcome(revenue=checkout(rec, plan, product, stop_at))


def walk_abandon(rec: SessionRecorder, plan: Plan) -> Outcome:
    if plan.problems & {"payment_decline", "shipping_503"}:
        stop: str | None = None  # the problem ends the visit
    else:
        stop = rec.rng.choice(CHECKOUT_STAGES[:-1])
    walk_purchase(rec, plan, stop_at=stop or "payment")
    return Outcome()


def walk_blog(rec: SessionRecorder, plan: Plan) -> Outcome:
    posts = rec.rng.sample(BLOG_POSTS, k=rec.rng.randint(1, 3))
    first_slug, first_title = posts[0]
    landing(rec, plan, (f"/blog/{first_slug}", first_title))
    rec.wait(30, 120)  # reading
    rec.add("element-seen", "Get trail tips in your inbox", "aside#newsletter-signup")
    if "blog_js" in plan.problems:
        rec.console_error(
            "TypeError: Cannot read properties of undefined (reading 'length')",
            f"{SITE}/assets/js/related-posts.2b77c1.js",
        )
        rec.add("dead-click", "Read more", "section.related-posts a.read-more")
    for slug, title in posts[1:]:
        rec.click(title, f"a.post-card[href='/blog/{slug}']")
        rec.visit(f"/blog/{slug}", title)
        rec.wait(20, 90)
    if rec.rng.random() < 0.35:
        rec.typed("Newsletter email", "input#newsletter-email", "********")
        rec.click("Subscribe", "aside#newsletter-signup button")
        rec.custom("Newsletter Subscribed", source="blog")
    if rec.rng.random() < 0.3:
        product = rec.rng.choice(PRODUCTS)
        rec.click(product.name, f"article a[href='/products/{product.slug}']")
        product_page(rec, plan, product, buy=False)
    return Outcome()


def walk_support(rec: SessionRecorder, plan: Plan) -> Outcome:
    landing(rec, plan, ("/help", "Help Center"))
    topic, title = rec.rng.choice(
        (("returns", "Returns & Exchanges"), ("order-status", "Order Status"), ("shipping", "Shipping Information"))
    )
    rec.click(title, f"a.help-topic[href='/help/{topic}']")
    rec.visit(f"/help/{topic}", title)
    rec.add("element-seen", title, "article.help-article h1")
    login(rec, plan, rec.rng.choice(("password", "google")))
    rec.visit("/account/orders", "Your Orders")
    rec.click("Start a return", "button.order-row__return")
    rec.visit("/help/contact", "Contact Us")
    rec.typed("Message", "textarea#contact-message", "I want to return my jacket, it is the wrong size")
    if "contact_500" in plan.problems:
        rec.add("error-click", "Send message", "form#contact button[type=submit]")
        rec.network_error("POST", "/api/support/tickets", 500)
        rec.console_error("Error: Ticket submission failed (500)", JS_APP)
        rec.rage("Send message", "form#contact button[type=submit]")
    else:
        rec.click("Send message", "form#contact button[type=submit]")
        rec.custom("Support Ticket Created", topic=topic)
    return Outcome()


def walk_admin(rec: SessionRecorder, plan: Plan) -> Outcome:
    login(rec, plan, "sso")
    rec.visit("/admin", "Admin Dashboard")
    rec.click("Orders", "nav.admin-nav a[href='/admin/orders']")
    rec.visit("/admin/orders", "Admin – Orders")
    rec.typed("Search orders", "input#order-search", f"AO-{rec.rng.randint(100000, 999999)}")
    rec.click("Refund", "button.order-actions__refund")
    rec.visit("/admin/reports", "Admin – Reports")
    rec.click("Export CSV", "button#export-report")
    if "admin_export" in plan.problems:
        rec.network_error("GET", "/api/admin/reports/export?range=30d", 500)
        rec.console_error("ChunkLoadError: Loading chunk 734 failed.", JS_ADMIN)
        rec.rage("Export CSV", "button#export-report")
    return Outcome()


def walk_search(rec: SessionRecorder, plan: Plan) -> Outcome:
    term = rec.rng.choice(SEARCH_TERMS)
    landing(rec, plan, ("/", "Outdoor Clothing & Gear"))
    rec.click("Search", "button.header__search-toggle")
    rec.typed("Search", "input#search-query", term)
    if "search_504" in plan.problems:
        rec.network_error("GET", f"/api/search?q={term.replace(' ', '+')}", 504)
        rec.add("dead-click", "Search", "form#site-search button[type=submit]")
    rec.visit(f"/search?q={term.replace(' ', '+')}", f"Search: {term}")
    matches = [p for p in PRODUCTS if any(w in p.name.lower() for w in term.split())] or list(PRODUCTS)
    product = rec.rng.choice(matches)
    rec.click(product.name, f"a.search-result[href='/products/{product.slug}']")
    if product_page(rec, plan, product, buy=rec.rng.random() < 0.4):
        return Outcome(revenue=checkout(rec, plan, product, None))
    return Outcome()


def walk_account(rec: SessionRecorder, plan: Plan) -> Outcome:
    rec.visit("/", "Outdoor Clothing & Gear", "")
    consent_flow(rec, plan.consent)
    rec.click("Sign in", "a.header__account")
    login(rec, plan, rec.rng.choice(("password", "password", "google", "apple")))
    rec.visit("/account", "Your Account")
    rec.click("Orders", "a[href='/account/orders']")
    rec.visit("/account/orders", "Your Orders")
    rec.click("Track package", "a.order-row__track")
    rec.add("element-seen", "Out for delivery", "div.tracking-status")
    return Outcome()


JOURNEYS: dict[str, Callable[[SessionRecorder, Plan], Outcome]] = {
    "browse": walk_browse,
    "purchase": walk_purchase,
    "abandon": walk_abandon,
    "blog": walk_blog,
    "support": walk_support,
    "admin": walk_admin,
    "search": walk_search,
    "account": walk_account,
}

# Which problems can occur on each journey (each has a chance of zero, one or two).
PROBLEMS: dict[str, tuple[str, ...]] = {
    "browse": ("dead_gallery",),
    "purchase": ("coupon_fail", "dead_gallery"),
    "abandon": ("price_error", "cart_500", "shipping_503", "payment_decline", "coupon_fail"),
    "blog": ("blog_js",),
    "support": ("contact_500", "login_401"),
    "admin": ("admin_export", "login_401"),
    "search": ("search_504", "price_error"),
    "account": ("login_401",),
}
