"""Contoso University: a New York university with a health sciences school and an extension school."""

from datetime import date

from models.courses import DurationRule
from resolvers.demo.kinds import (
    after_weeks,
    assignment,
    discussion,
    external,
    flashcards,
    live_session,
    open_question,
    pdf,
    quiz,
    rating,
    scorm,
    slides,
    survey,
    text,
    video,
)
from resolvers.demo.specs import ARCHIVED, AVERAGE, DRAFT, PUBLISHED, CourseSpec, PortalSpec, academy, branch, pool, usd
from resolvers.module_kinds import FlashcardOrientation, VideoProvider

NAMES = (
    pool(
        "Emily Michael Jessica David Ashley Christopher Sarah Daniel Jennifer Matthew Maria James Aisha Kevin Lauren "
        "Carlos Rachel Tyler Mei Brandon Olivia Jamal Hannah Ethan Sofia Andrew Grace Marcus Chloe Nathan"
    ),
    pool(
        "Johnson Williams Brown Garcia Miller Davis Rodriguez Martinez Lee Thompson White Harris Clark Lewis Robinson "
        "Walker Nguyen Hall Allen Young King Wright Lopez Hill Scott Green Adams Baker Nelson Carter"
    ),
)
COURSES = (
    CourseSpec(
        title="Introduction to Data Analysis with Python",
        description="Load, clean and explore data with pandas and Jupyter, then answer a real question "
        "with a public dataset. No programming experience needed.",
        status=PUBLISHED,
        categories=("Data & Analytics",),
        price=usd("149.00"),
        duration_rule=DurationRule.X_DAYS_AFTER_START,
        duration_days=120,
        grading_rule=AVERAGE,
        sections=(
            (
                "Getting started",
                (
                    video("Setting up Jupyter", 12, provider=VideoProvider.YOUTUBE),
                    text("Reading a CSV with pandas", "<code>pd.read_csv()</code> turns a file into a DataFrame."),
                ),
            ),
            (
                "Working with data",
                (
                    external("Hands-on lab: cleaning a messy dataset", provider="Contoso Labs", code="PY-DA-LAB1"),
                    quiz("pandas basics", passing=70, retakes=0),
                ),
            ),
            ("Project", (after_weeks(assignment("Analyse a public dataset", files=("ipynb", "pdf")), 4),)),
        ),
    ),
    CourseSpec(
        title="Project Management Fundamentals",
        description="Scope, schedule, budget and stakeholders: the essentials of delivering projects "
        "on time, with a simulation of a product launch.",
        status=PUBLISHED,
        categories=("Business",),
        price=usd("99.00"),
        sections=(
            (
                "Plan",
                (
                    slides("Scope, schedule and budget"),
                    flashcards(
                        "Project management vocabulary",
                        ("Critical path", "The longest chain of dependent tasks; it sets the end date."),
                        ("Float", "How long a task can slip without delaying the project."),
                        ("RACI", "Responsible, Accountable, Consulted, Informed."),
                    ),
                ),
            ),
            (
                "Deliver",
                (
                    scorm("Project simulation: launching a product", new_window=True),
                    discussion("Lessons from a project that slipped", points=20, min_comments=3),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Cybersecurity Awareness 2026",
        description="Recognise phishing, protect your accounts and report incidents. Required for all "
        "staff and students before December 31.",
        status=PUBLISHED,
        categories=("Compliance",),
        duration_rule=DurationRule.ON_SPECIFIC_DATE,
        duration_date=date(2026, 12, 31),
        shared_with_sub_portals=True,
        sections=(
            (
                "Threats",
                (
                    video("Spotting a phishing email", 7, provider=VideoProvider.YOUTUBE),
                    flashcards(
                        "Red flags",
                        ("Urgency", "“Your account closes in 1 hour” is a pressure tactic."),
                        ("Look-alike domains", "contoso-support.co is not contoso.edu."),
                        orientation=FlashcardOrientation.PORTRAIT,
                    ),
                ),
            ),
            ("Check", (quiz("Security awareness check", passing=85, retakes=3),)),
        ),
    ),
    CourseSpec(
        title="Cybersecurity Awareness 2025",
        description="Last year's edition, kept for the records of those who completed it.",
        status=ARCHIVED,
        categories=("Compliance",),
        sections=(("Threats", (video("Passwords and passphrases", 5), quiz("Awareness check 2025"))),),
    ),
    CourseSpec(
        title="Academic Writing for Graduate Students",
        description="Structure a thesis chapter, argue clearly and cite correctly, with weekly writing clinics.",
        status=PUBLISHED,
        categories=("Writing",),
        sections=(
            (
                "Structure",
                (
                    pdf("Thesis chapter template", download=True),
                    live_session("Writing clinic", 90),
                    survey(
                        "Writing confidence survey",
                        rating("How confident are you writing a literature review?"),
                        open_question("What slows your writing down most?"),
                        button="Submit survey",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        title="Grant Writing Workshop",
        description="From funding call to submitted proposal: aims, budget justification and review criteria.",
        status=DRAFT,
        categories=("Writing", "Research"),
        sections=(
            (
                "Proposal",
                (
                    text("Reading a funding call", "Underline every review criterion; your proposal answers each."),
                    assignment("Draft your specific aims page", points=100, files=("docx", "pdf")),
                ),
            ),
        ),
    ),
)


BRANCHES = (
    PortalSpec(
        name="Contoso Health Sciences",
        slug="contoso-health",
        time_zone="America/Chicago",
        people=branch(NAMES, "contoso-health", 25),
        courses=(
            CourseSpec(
                title="Clinical Documentation Best Practices",
                description="Accurate, timely and defensible notes in the electronic health record.",
                status=PUBLISHED,
                categories=("Clinical",),
                price=usd("59.00"),
                sections=(
                    (
                        "Notes",
                        (video("Anatomy of a SOAP note", 10), pdf("Documentation standards"), quiz("Charting quiz")),
                    ),
                ),
            ),
            CourseSpec(
                title="HIPAA Privacy Refresher",
                description="The 2024 refresher, replaced by the university-wide privacy course.",
                status=ARCHIVED,
                categories=("Compliance",),
                sections=(("Privacy", (scorm("Protected health information"), quiz("Privacy check"))),),
            ),
        ),
    ),
    PortalSpec(
        name="Contoso Extension School",
        slug="contoso-extension",
        time_zone="America/Los_Angeles",
        people=branch(NAMES, "contoso-extension", 33),
        courses=(
            CourseSpec(
                title="Public Speaking Essentials",
                description="Plan, rehearse and deliver a talk that people remember.",
                status=PUBLISHED,
                categories=("Communication",),
                price=usd("39.00"),
                sections=(
                    (
                        "Speak",
                        (
                            video("Opening with a story", 8),
                            discussion("Share your opening line"),
                            assignment("Record a two-minute talk", files=("mp4", "mov")),
                        ),
                    ),
                ),
            ),
            CourseSpec(
                title="Photography for Beginners",
                description="Light, composition and your camera's manual mode.",
                status=DRAFT,
                categories=("Arts",),
                sections=(
                    ("Basics", (slides("The exposure triangle"), survey("What camera do you use?", rating("Skill")))),
                ),
            ),
        ),
    ),
)


CONTOSO = PortalSpec(
    name="Contoso University",
    slug="contoso",
    time_zone="America/New_York",
    people=academy(NAMES, "contoso"),
    courses=COURSES,
    groups=("Graduate students", "Faculty development"),
    sub_portals=BRANCHES,
)
