import pytest

from app.domain.errors import InvalidTransition
from app.domain.workflow import INCOMING, INCOMING_STATES


def test_the_incoming_path_from_registration_to_completion() -> None:
    state = "registered"
    for action in ("submit", "direct", "assign", "progress", "complete_part", "complete"):
        state = INCOMING.apply(state, action)
    assert state == "completed"


@pytest.mark.parametrize("state", INCOMING_STATES)
def test_every_state_allows_exactly_its_table_entries(state) -> None:
    for action, transition in INCOMING.transitions.items():
        if state in transition.sources:
            assert INCOMING.apply(state, action) == transition.target
        else:
            with pytest.raises(InvalidTransition) as err:
                INCOMING.apply(state, action)
            assert f"that is {state}" in err.value.message


def test_final_states_allow_nothing_and_say_so() -> None:
    for state in ("completed", "returned", "withdrawn"):
        assert INCOMING.allowed(state) == []
        with pytest.raises(InvalidTransition, match="allowed now: none"):
            INCOMING.apply(state, "submit")


def test_unknown_actions_are_refused() -> None:
    with pytest.raises(InvalidTransition, match="Unknown action"):
        INCOMING.apply("registered", "publish")
