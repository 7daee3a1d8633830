"""Fabrikam Learning: a global manufacturer, with a plant in Singapore and a field service team."""

from resolvers.demo.kinds import (
    assignment,
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
    usd,
)

NAMES = (
    pool(
        "Amara Kenji Lucía Oliver Priyanka Mateus Siobhan Wei Olga Tomasz Chiara Kwame Ingrid Rahul Yuki Fatou Henrik "
        "Leila Diego Anja Samir Mai Connor Zanele Arjun Elif Jonas Camila Hiroshi Nadia"
    ),
    pool(
        "Okafor Tanaka Fernández Bennett Sharma Silva O'Brien Zhang Petrova Kowalski Rossi Mensah Lindqvist Gupta Sato "
        "Diallo Nielsen Haddad Morales Novak Khalil Nguyen Murphy Dlamini Iyer Demir Becker Castro Watanabe "
        "Hussein"
    ),
)
COURSES = (
    CourseSpec(
        title="Welcome to Fabrikam: Onboarding",
        description="Everything for your first week: who we are, how we work and where to find help.",
        status=PUBLISHED,
        categories=("Onboarding",),
        shared_with_sub_portals=True,
        sections=(
            (
                "Our company",
                (
                    video("A message from our CEO", 5),
                    text("How we work", "Safety first, then quality, then speed: in that order, every shift."),
                    survey(
                        "First-week check-in", rating("How welcome do you feel?"), open_question("What is missing?")
                    ),
                ),
            ),
            (
                "Your first days",
                (
                    pdf("Employee handbook"),
                    flashcards(
                        "Fabrikam acronyms",
                        ("OEE", "Overall equipment effectiveness"),
                        ("NCR", "Non-conformance report"),
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Lean Manufacturing Basics",
        description="The eight wastes, value stream mapping and continuous improvement on the shop floor.",
        status=PUBLISHED,
        categories=("Manufacturing",),
        price=usd("79.00"),
        grading_rule=AVERAGE,
        sections=(
            ("Principles", (slides("The eight wastes"), video("Gemba walk at the Brno plant", 11))),
            (
                "Apply",
                (
                    assignment("Map the value stream of your line", files=("pdf", "png", "jpg")),
                    quiz("Lean principles quiz", passing=75),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Electrical Safety in the Workplace",
        description="Lockout/tagout, arc flash boundaries and safe isolation. Renew every year.",
        status=PUBLISHED,
        categories=("Health & Safety",),
        grading_rule=AVERAGE,
        duration_rule=AFTER_ENROLLMENT,
        duration_days=365,
        sections=(
            (
                "Safe isolation",
                (
                    scorm("Lockout/tagout procedure"),
                    quiz("Electrical safety test", passing=90, retakes=2, minutes=25),
                    optional(live_session("Arc flash Q&A with an engineer", 60)),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Quality Management with ISO 9001",
        description="Run internal audits and handle non-conformances, with the accredited internal "
        "auditor course of the Meridian Standards Institute.",
        status=PUBLISHED,
        categories=("Quality",),
        price=usd("129.00"),
        sections=(
            (
                "Auditing",
                (
                    external(
                        "ISO 9001 internal auditor course", provider="Meridian Standards Institute", code="ISO9001-IA"
                    ),
                    pdf("Internal audit checklist"),
                    discussion("Audit findings from your site", min_comments=1),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Preventive Maintenance Planning",
        description="Plan maintenance from failure data instead of breakdowns.",
        status=DRAFT,
        categories=("Maintenance",),
        sections=(("Planning", (text("From breakdowns to plans", "Start with the ten assets that stop the line."),)),),
    ),
    CourseSpec(
        title="Legacy ERP Navigation",
        description="Order entry and stock lookups in the former ERP, retired in 2024.",
        status=ARCHIVED,
        categories=("Operations",),
        sections=(("Navigation", (pdf("ERP screen guide"), video("Entering a sales order", 8))),),
    ),
)


BRANCHES = (
    PortalSpec(
        name="Fabrikam Asia Pacific",
        slug="fabrikam-apac",
        time_zone="Asia/Singapore",
        people=branch(NAMES, "fabrikam-apac", 25),
        courses=(
            CourseSpec(
                title="Site Safety Induction (Singapore)",
                description="Mandatory induction for everyone entering the Tuas plant.",
                status=PUBLISHED,
                categories=("Health & Safety",),
                sections=(("Induction", (video("Tuas plant tour", 9), pdf("Site rules"), quiz("Induction quiz"))),),
            ),
            CourseSpec(
                title="Mandarin for the Factory Floor",
                description="Phrases for safety briefings and shift handovers.",
                status=DRAFT,
                categories=("Languages",),
                sections=(
                    (
                        "Phrases",
                        (
                            flashcards("Safety phrases", ("小心", "Be careful"), ("停", "Stop")),
                            live_session("Conversation practice", 45),
                        ),
                    ),
                ),
            ),
        ),
    ),
    PortalSpec(
        name="Fabrikam Field Service",
        slug="fabrikam-field",
        time_zone="Europe/London",
        people=branch(NAMES, "fabrikam-field", 33),
        courses=(
            CourseSpec(
                title="Field Service Fundamentals",
                description="Diagnose, repair and report on customer sites, first time right.",
                status=PUBLISHED,
                categories=("Service",),
                price=eur("89.00"),
                sections=(("On site", (scorm("Fault-finding simulator"), assignment("Service report", points=20))),),
            ),
            CourseSpec(
                title="Customer Site Etiquette",
                description="The 2023 etiquette module, now part of Field Service Fundamentals.",
                status=ARCHIVED,
                categories=("Service",),
                sections=(("Etiquette", (slides("Arriving on site"), quiz("Etiquette check"))),),
            ),
        ),
    ),
)


FABRIKAM = PortalSpec(
    name="Fabrikam Learning",
    slug="fabrikam",
    time_zone="UTC",
    people=(*academy(NAMES, "fabrikam"), CONSULTANT),
    courses=COURSES,
    groups=("Plant supervisors", "Apprentices"),
    sub_portals=BRANCHES,
)
