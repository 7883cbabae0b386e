"""The words and GOV.UK tags the page shows for the API's values: one place for how an enum reads."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

# Check outcomes as GOV.UK tags: (words, tag colour modifier or None for the default blue).
OUTCOME_TAGS: Mapping[str, tuple[str, str | None]] = {
    "INVOLVED": ("Involved", "govuk-tag--green"),
    "NOT_KNOWN": ("Not known", "govuk-tag--grey"),
    "NOT_APPLICABLE": ("Not applicable", "govuk-tag--grey"),
    "NOT_PERMITTED": ("Not shown to you", "govuk-tag--purple"),
    "UNAVAILABLE": ("Could not check", "govuk-tag--red"),
    "NOT_CONNECTED": ("Not connected", "govuk-tag--yellow"),
}

SERVICES: Mapping[str, str] = {
    "ADULT_SOCIAL_CARE": "Adult social care",
    "POLICE": "Police",
    "HOUSING": "Housing",
    "SCHOOL": "School",
    "YOUTH_OFFENDING": "Youth offending",
    "EARLY_HELP": "Early help",
    "YOUNG_CARERS": "Young carers",
    "HEALTH_VISITOR": "Health visitor",
    "GP": "GP",
    "ADULT_MENTAL_HEALTH": "Adult mental health",
    "DRUG_AND_ALCOHOL": "Drug and alcohol",
    "EARLY_YEARS": "Early years",
    "PROBATION": "Probation",
}

RELATIONSHIPS: Mapping[str, str] = {
    "MOTHER": "Mother",
    "FATHER": "Father",
    "PARENT": "Parent",
    "STEP_PARENT": "Step-parent",
    "PARENTS_PARTNER": "Parent's partner",
    "SIBLING": "Sibling",
    "HALF_SIBLING": "Half-sibling",
    "GRANDPARENT": "Grandparent",
    "GUARDIAN": "Guardian",
    "OTHER_RELATIVE": "Other relative",
    "OTHER_ADULT_IN_HOUSEHOLD": "Other adult in the household",
    "OTHER": "Other",
}

PURPOSES: Mapping[str, tuple[str, str]] = {
    "ASSESSMENT": ("Assessment", "A child in need assessment (Children Act 1989, section 17)."),
    "CHILD_PROTECTION_ENQUIRY": (
        "Child protection enquiry",
        "Enquiries about a child who may be suffering significant harm (section 47).",
    ),
    "MASH_TRIAGE": ("MASH triage", "Deciding what happens to a contact or referral in the safeguarding hub."),
    "AUDIT": ("Audit", "Checking how the service has been used."),
}

ROLES: Mapping[str, str] = {
    "SOCIAL_WORKER": "Social worker",
    "TEAM_MANAGER": "Team manager",
    "AUDITOR": "Auditor",
    "INTEGRATION": "Integration (machine client)",
    "ADMIN": "Administrator",
}

STATUSES: Mapping[str, str] = {"CURRENT": "Current", "HISTORIC": "Past"}
CASE_STATUSES: Mapping[str, str] = {"OPEN": "Open", "CLOSED": "Closed", "NONE": "None"}
ADMISSION_TYPES: Mapping[str, str] = {
    "MAIN": "Main registration",
    "SECONDARY": "Secondary (dual registration)",
    "OFF_SITE": "Off-site provision",
}
OFFENCE_CATEGORIES: Mapping[str, str] = {
    "HOMICIDE": "Homicide",
    "RAPE": "Rape",
    "OTHER_SEXUAL_OFFENCES": "Other sexual offences",
    "ROBBERY": "Robbery",
    "POSSESSION_OF_WEAPONS": "Possession of weapons",
    "VIOLENCE_WITH_INJURY": "Violence with injury",
    "VIOLENCE_WITHOUT_INJURY": "Violence without injury",
}
POLICE_OUTCOMES: Mapping[str, str] = {
    "CONVICTED": "Convicted",
    "CAUTIONED": "Cautioned",
    "CHARGED": "Charged, awaiting court",
    "UNDER_INVESTIGATION": "Under investigation",
    "NO_FURTHER_ACTION": "No further action",
    "OTHER": "Other outcome",
}
YOUTH_INTERVENTIONS: Mapping[str, str] = {
    "PREVENTION": "Prevention",
    "OUT_OF_COURT_DISPOSAL": "Out-of-court disposal",
    "REFERRAL_ORDER": "Referral order",
    "YOUTH_REHABILITATION_ORDER": "Youth rehabilitation order",
    "DETENTION_AND_TRAINING_ORDER": "Detention and training order",
    "OTHER": "Other intervention",
}
MATCH_LEVELS: Mapping[str, str] = {
    "CERTAIN": "Certain match",
    "PROBABLE": "Probable match",
    "POSSIBLE": "Possible match: check before relying on it",
}
BASIS_KINDS: Mapping[str, str] = {}  # the API's basis kinds are already words ("recorded relationship")


def word(table: Mapping[str, str], value: object) -> str:
    """The words for an enum value; an unknown value (a newer API) reads as itself, tidied."""
    if value is None:
        return ""
    text = str(value)
    return table.get(text) or text.replace("_", " ").capitalize()


def tag(outcome: object) -> tuple[str, str | None]:
    return OUTCOME_TAGS.get(str(outcome), (word({}, outcome), None))


def long_date(value: object) -> str:
    """'3 March 2016' (GOV.UK style), from the API's ISO date or date-time; '' when missing or unreadable."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        if "T" in value:
            moment = datetime.datetime.fromisoformat(value)
            return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return ""
    return f"{day.day} {day:%B %Y}"


def match_in_words(level: object, reasons: object) -> str:
    """'Certain match: family name exact, given name exact, date of birth exact.' The level and the reasons say
    it; the raw score (a probability to 16 digits) means nothing to a social worker and is not shown."""
    text = word(MATCH_LEVELS, level)
    if isinstance(reasons, list) and reasons:
        text += ": " + ", ".join(str(r) for r in reasons)
    return text + "."


def yes_no(value: object) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return "Not known"
