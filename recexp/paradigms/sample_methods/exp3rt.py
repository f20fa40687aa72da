"""Sample method ``exp3rt`` (EXP3RT): user and item profiles from reviews, then profile-conditioned
reasoning and rating; the student plays the three roles in a chain at inference."""

from __future__ import annotations

from recexp.paradigms.sample_methods._chain import play_chain
from recexp.paradigms.sample_methods._job import SampleJob
from recexp.paradigms.sample_methods._registry import sample_method
from recexp.prompts.roles import TASK, Role

USER_PROFILE = Role(
    "user_profile", "user_profile",
    f"""{TASK}
From the user's history and reviews, extract the user's preferences: the attributes they like and
dislike, and how generously they rate. Answer in at most 60 words, in this format:
<profile>...</profile>""", "profile", title="user_profile")

ITEM_PROFILE = Role(
    "item_profile", "item_profile",
    f"""{TASK}
From the target item's information and its reviews, write the item's profile: what it is, what
reviewers praise and criticise, and how it is rated. Answer in at most 60 words, in this format:
<profile>...</profile>""", "profile", title="item_profile")


@sample_method("exp3rt", order=1, steps=(USER_PROFILE, ITEM_PROFILE),
               description="user/item profiles from reviews, then profile-conditioned reasoning + rating")
def exp3rt(job: SampleJob) -> tuple[list[dict], dict]:
    """The teacher writes both profiles, then the rating guided by the true rating."""
    return play_chain(job)
