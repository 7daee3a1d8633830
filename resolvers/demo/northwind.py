"""Northwind Academy: a Dutch food wholesaler training its stores, warehouses and franchise partners.

Its published courses alone show all 12 module kinds: GraphiQL opens on this portal.
"""

from resolvers.demo.kinds import (
    after_weeks,
    assignment,
    choice,
    discussion,
    external,
    flashcards,
    live_session,
    open_question,
    optional,
    pdf,
    quiz,
    rating,
    scorm,
    slides,
    survey,
    text,
    video,
)
from resolvers.demo.specs import (
    AFTER_ENROLLMENT,
    ARCHIVED,
    AVERAGE,
    CONSULTANT,
    DRAFT,
    PUBLISHED,
    CourseSpec,
    PortalSpec,
    academy,
    branch,
    eur,
    pool,
)
from resolvers.module_kinds import PresentationViewer, ShowCorrectAnswers, VideoProvider

NAMES = (
    pool(
        "Sanne Daan Lotte Bram Femke Thijs Anouk Jeroen Eva Ruben Noor Lars Fleur Sem Iris Joost Maud Pieter Lieke "
        "Wouter Esther Koen Marieke Stijn Yara Mehmet Fatima Hanna Bas Emma"
    ),
    pool(
        "de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Dijk|Dekker|"
        "Brouwer|de Wit|Dijkstra|Smits|Kok|Yilmaz|El Amrani|van Leeuwen|Postma|Verhoeven|Kuipers|Willems|Maas|"
        "Hoekstra|Koster"
    ),
)
COURSES = (
    CourseSpec(
        title="Food Safety Essentials",
        description="The hygiene rules every store and warehouse colleague needs, from cold storage to "
        "allergen labelling. Ends with the assessment required by our HACCP plan.",
        status=PUBLISHED,
        categories=("Compliance", "Operations"),
        price=eur("49.00"),
        shared_with_sub_portals=True,
        grading_rule=AVERAGE,
        duration_rule=AFTER_ENROLLMENT,
        duration_days=365,
        sections=(
            (
                "Hygiene basics",
                (
                    video("Why food safety matters", 6),
                    text(
                        "The four Cs of food hygiene",
                        "Cleaning, cooking, chilling and avoiding cross-contamination prevent most food-borne illness.",
                        "Wash hands for 20 seconds before handling open food and after every break.",
                    ),
                    optional(pdf("HACCP checklist for stores")),
                ),
            ),
            (
                "Check your knowledge",
                (
                    flashcards(
                        "Critical temperatures",
                        ("Fridge", "0–5 °C"),
                        ("Freezer", "−18 °C or colder"),
                        ("Hot holding", "63 °C or hotter"),
                        ("Reheating", "75 °C at the core"),
                    ),
                    quiz("Food safety assessment", passing=80, retakes=2, minutes=20),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Warehouse Safety and Forklift Operation",
        description="Pre-use inspections, load handling and pedestrian safety for warehouse staff. "
        "Passing the theory test unlocks the practical assessment.",
        status=PUBLISHED,
        categories=("Health & Safety", "Operations"),
        grading_rule=AVERAGE,
        sections=(
            (
                "Before you drive",
                (
                    scorm("Forklift pre-use inspection", version="SCORM 1.2"),
                    video("Loading dock hazards", 9, no_skipping=True),
                ),
            ),
            (
                "Certification",
                (
                    quiz("Forklift theory test", passing=90, retakes=1, minutes=30, answers=ShowCorrectAnswers.NEVER),
                    after_weeks(live_session("Practical assessment briefing", 45), 1),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Customer Service Excellence",
        description="Listening, service recovery and turning complaints into loyal customers, with "
        "real cases from our stores.",
        status=PUBLISHED,
        categories=("Customer Experience",),
        shared_with_sub_portals=True,
        sections=(
            (
                "Listening to customers",
                (
                    video("The first thirty seconds", 4, provider=VideoProvider.VIMEO),
                    slides("The service recovery model"),
                    discussion("Your best service moment", min_comments=2),
                ),
            ),
            (
                "Practice",
                (
                    assignment("Complaint role-play write-up", points=50, files=()),
                    survey(
                        "Course feedback",
                        rating("How useful was this course for your daily work?"),
                        choice("Which topic should we cover next?", "Difficult conversations", "Upselling", "Access"),
                        open_question("Anything else you would like to tell us?"),
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Supplier Negotiation Masterclass",
        description="Prepare, open and close negotiations with suppliers. Includes a scored simulation "
        "from our partner Harbour Learning.",
        status=PUBLISHED,
        categories=("Leadership", "Purchasing"),
        price=eur("199.00"),
        grading_rule=AVERAGE,
        sections=(
            (
                "Preparation",
                (
                    slides("BATNA and ZOPA explained", viewer=PresentationViewer.GOOGLE_VIEWER),
                    text(
                        "Building your negotiation plan",
                        "Know your walk-away point before the first meeting, and the supplier's if you can.",
                        "Trade concessions; never give them away.",
                    ),
                ),
            ),
            (
                "Simulation",
                (
                    external("Negotiation simulator", provider="Harbour Learning", code="NEG-301"),
                    assignment("Negotiation plan for your top supplier", files=("pdf", "docx", "xlsx")),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Leading Remote Teams",
        description="Rituals, tools and trust for managers whose teams work across sites and time zones.",
        status=DRAFT,
        categories=("Leadership",),
        sections=(
            (
                "Foundations",
                (
                    text(
                        "What changes when your team is remote",
                        "Visibility drops, so agree on outcomes instead of hours.",
                    ),
                    live_session("Live Q&A with the People team", 60),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Legacy POS System Training",
        description="How to use the TillPoint 4 registers, replaced in all stores in 2025.",
        status=ARCHIVED,
        categories=("Operations",),
        sections=(("Till basics", (pdf("POS quick reference card"), video("Processing refunds on TillPoint 4", 4))),),
    ),
)


BRANCHES = (
    PortalSpec(
        name="Northwind Retail Partners",
        slug="northwind-retail",
        time_zone="Europe/Amsterdam",
        people=branch(NAMES, "northwind-retail", 25),
        courses=(
            CourseSpec(
                title="Store Opening Checklist",
                description="Everything a franchise store checks before the doors open at 8:00.",
                status=PUBLISHED,
                categories=("Store Operations",),
                sections=(("Morning routine", (text("Before opening", "Check fridges, tills and fire exits."),)),),
            ),
            CourseSpec(
                title="Seasonal Promotions Playbook",
                description="Planning shelf space and signage for the Christmas season.",
                status=DRAFT,
                categories=("Marketing",),
                sections=(("Planning", (slides("Christmas 2026 planogram"), video("Building a promo display", 6))),),
            ),
        ),
    ),
    PortalSpec(
        name="Northwind Logistics Benelux",
        slug="northwind-logistics",
        time_zone="Europe/Brussels",
        people=branch(NAMES, "northwind-logistics", 33),
        courses=(
            CourseSpec(
                title="Cold Chain Handling",
                description="Keep chilled and frozen goods within range from dock to delivery.",
                status=PUBLISHED,
                categories=("Logistics",),
                sections=(
                    (
                        "Temperature control",
                        (
                            video("Loading a reefer trailer", 7),
                            flashcards("Ranges", ("Chilled", "0–7 °C"), ("Frozen", "−18 °C")),
                            quiz("Cold chain check", passing=80),
                        ),
                    ),
                ),
            ),
            CourseSpec(
                title="Route Planning with the New TMS",
                description="Plan and re-plan delivery routes in the transport management system.",
                status=DRAFT,
                categories=("Logistics",),
                sections=(
                    (
                        "Routes",
                        (
                            scorm("TMS route planner walkthrough"),
                            external("TMS certification", provider="RouteWise Academy", code="TMS-101"),
                        ),
                    ),
                ),
            ),
        ),
    ),
)


NORTHWIND = PortalSpec(
    name="Northwind Academy",
    slug="northwind",
    time_zone="Europe/Amsterdam",
    people=(*academy(NAMES, "northwind"), CONSULTANT),
    courses=COURSES,
    groups=("Store managers", "New hires 2026"),
    sub_portals=BRANCHES,
)
