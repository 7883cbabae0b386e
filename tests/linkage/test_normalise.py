from linkage import surname_key
from linkage.normalise import gender_key, name_tokens, postcode_key


def test_name_tokens_ignore_case_accents_titles_and_punctuation() -> None:
    assert name_tokens("  Mrs  Zoë O'Neil-Smith ") == ("zoe", "oneil", "smith")
    assert name_tokens("DR. JOSÉ") == ("jose",)
    assert name_tokens("Mary\u2010Jane") == ("mary", "jane")


def test_a_title_alone_is_kept_as_the_name() -> None:
    assert name_tokens("Miss") == ("miss",)


def test_letters_without_an_ascii_base_are_spelled_out() -> None:
    assert name_tokens("Łukasz Ørsted Weiß") == ("lukasz", "orsted", "weiss")


def test_blank_names_have_no_tokens() -> None:
    assert name_tokens(None) == ()
    assert name_tokens(" - ") == ()


def test_surname_key_is_upper_case_letters_only() -> None:
    assert surname_key("O'Neil-Smith") == "ONEILSMITH"
    assert surname_key("  de la Cruz ") == "DELACRUZ"
    assert surname_key("Müller") == "MULLER"


def test_postcode_key_ignores_case_and_spaces() -> None:
    assert postcode_key("sw1a 1aa") == "SW1A1AA"
    assert postcode_key(" ") is None
    assert postcode_key(None) is None


def test_only_female_and_male_are_compared() -> None:
    assert gender_key("FEMALE") == "F"
    assert gender_key("m") == "M"
    assert gender_key("UNKNOWN") is None
    assert gender_key("OTHER") is None
    assert gender_key(None) is None
