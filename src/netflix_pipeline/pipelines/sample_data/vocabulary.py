"""Words the generator writes: titles, names, plots, taglines, tags, companies and languages."""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


ADJECTIVES = _words(
    """Silent Broken Last Dark Golden Hidden Lost Secret Wild Burning Frozen Crimson Eternal
Forgotten Little Long Midnight Quiet Savage Sweet Bitter Electric Endless Final First Strange
Lonely Brave Crooked Distant Empty Fallen Glass Iron Lucky Northern Pale Perfect Red Blue Black
White Steel Velvet Wicked Young Ancient Restless Shattered Hollow Invisible Reckless Sacred
Deadly Happy Stolen True Cold Hot High"""
)
NOUNS = _words(
    """Harbor Road River City Night Storm Garden Empire Kingdom Mirror Shadow Heart Dream
Witness Stranger Promise Journey Island Mountain Station Bridge Letter Secret Hunter Soldier
Widow Saint Sinner Ghost Machine Planet Frontier Desert Ocean Forest Castle Prison Circus Horizon
Echo Legacy Memory Signal Code Verdict Affair Summer Winter Spring Autumn Game Gambit Chase
Escape Return Rebellion Exile Voyage Paradise Inferno Sky Star Moon Sun Wolf Tiger Falcon Raven
Dragon Angel Devil Queen King Prince Thief Spy Doctor Detective Cowboy Sheriff Outlaw"""
)
FIRST_NAMES = _words(
    """Anna Ben Clara David Elena Frank Grace Henry Iris Jack Kate Leo Maria Nick Olivia Paul
Rosa Sam Tom Vera Walter Zoë José Amélie Søren François Ingrid Mateo Yuki Ørnås"""
)
LAST_NAMES = _words(
    """Walker Stone Reyes Novak Fischer Moreau Quinn Hale Duarte Lindqvist Okafor Brennan
Castillo Weber Marsh Kowalski Tanaka Dubois Lang Ferreira"""
)
JOBS = _words(
    """detective nurse soldier teacher journalist pilot boxer thief scientist widow lawyer
musician farmer priest dancer smuggler sheriff photographer hacker chef"""
)
VERBS = _words("find stop save escape expose outwit protect survive rescue confront")
EVENTS = [
    "the storm breaks",
    "the city wakes up",
    "it is too late",
    "the war reaches the village",
    "the last train leaves",
    "the truth comes out",
    "midnight",
    "the election",
    "the wedding",
    "the money runs out",
]
TAGLINES = [
    "Some secrets never die.",
    "One night. One chance.",
    "Trust no one.",
    'The "perfect" plan.',
    "Every family has a story.",
    "Run, hide, survive.",
    "Nothing will ever be the same.",
    "Based on a true story.",
    "The legend begins.",
    "Love is a battlefield.",
]
TAGS = [
    "atmospheric", "funny", "twist ending", "based on a book", "dark comedy",
    "visually appealing", "Highly quotable", "thought-provoking", "sci-fi", "classic",
    "nonlinear", "great soundtrack", "romance", "violence", "surreal", "cult film", "quirky",
    "predictable", "overrated", "Oscar (Best Picture)", "World War II", "space", "time travel",
    "heist", "revenge", "slow burn", "feel-good", "boring", "beautiful scenery",
    "black and white", "funny, but slow", 'the "twist"', "In Netflix queue", "remake",
    "female lead",
]  # fmt: skip
COMPANIES = [
    (3, "Pixar Animation Studios"), (4, "Paramount"), (5, "Columbia Pictures"),
    (33, "Universal Pictures"), (174, "Warner Bros."), (2, "Walt Disney Pictures"),
    (25, "20th Century Fox"), (7, "DreamWorks"), (8411, "Metro-Goldwyn-Mayer (MGM)"),
    (1632, "Lionsgate"), (14, "Miramax"), (41, "Orion Pictures"), (60, "United Artists"),
    (11176, "Carousel Productions"), (591, "France 3 Cinéma"), (9993, "DC Entertainment"),
]  # fmt: skip
LANGUAGES = [  # code, name in the language, share of films
    ("en", "English", 0.74),
    ("fr", "Français", 0.06),
    ("it", "Italiano", 0.03),
    ("ja", "日本語", 0.03),
    ("de", "Deutsch", 0.03),
    ("es", "Español", 0.03),
    ("ru", "Pусский", 0.02),
    ("hi", "हिन्दी", 0.02),
    ("ko", "한국어/조선말", 0.02),
    ("sv", "svenska", 0.02),
]
COUNTRIES = {
    "en": ("US", "United States of America"), "fr": ("FR", "France"), "it": ("IT", "Italy"),
    "ja": ("JP", "Japan"), "de": ("DE", "Germany"), "es": ("ES", "Spain"),
    "ru": ("RU", "Russia"), "hi": ("IN", "India"), "ko": ("KR", "South Korea"),
    "sv": ("SE", "Sweden"),
}  # fmt: skip
