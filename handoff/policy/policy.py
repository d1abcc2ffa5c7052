"""The complaint-handling policy as one validated document.

Administrators write it as TOML (`GATEWAY_POLICY_FILE`) or JSON (`PUT /api/v1/admin/policy`);
either way it is stored as a new version in the database, so every gateway process picks up
the change within seconds, without a restart, and the versions are an audit trail.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from handoff.policy.calendar import BusinessCalendar
from handoff.policy.public_holidays import supported

SEVERITIES = ("general", "important", "major")
#: The department and language of an agent account the policy does not list yet: a new
#: agent takes tickets of every department and language until an administrator narrows it.
ANY = "*"
WORKDAYS: tuple[str | int, ...] = ("mon", "tue", "wed", "thu", "fri")

SEVERITY_BY_URGENCY = {
    "critical": "major",
    "high": "important",
    "normal": "general",
    "low": "general",
}

#: Which department answers which complaint category, until an administrator says otherwise.
DEFAULT_DEPARTMENTS: dict[str, list[str]] = {
    "quality": ["product_quality"],
    "logistics": ["delivery"],
    "finance": ["billing"],
    "customer_service": ["service_attitude", "other"],
    "sales": ["sales_contract"],
    "after_sales": ["after_sales"],
    "marketing": ["advertising"],
    "legal_privacy": ["privacy"],
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarPolicy(_Strict):
    working_hours: list[str] = Field(default_factory=lambda: ["09:00-12:00", "13:00-18:00"])
    workdays: list[str | int] = Field(default_factory=lambda: list(WORKDAYS))
    #: An ISO 3166 country code ("CN", "RU"): its public holidays and make-up workdays come
    #: from the `holidays` library; `holidays` and `extra_workdays` add to them and win.
    holiday_country: str | None = None
    holidays: list[str] = Field(default_factory=list)
    extra_workdays: list[str] = Field(default_factory=list)

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is not None and not supported(value):
            raise ValueError(f"the holidays library has no country {value!r}")
        return value


class SlaTarget(_Strict):
    """Targets for one severity. `first_response_clock` "plain" counts every hour, nights and
    weekends included: the policy's initial response to a major complaint within hours."""

    first_response_hours: float = Field(gt=0)
    resolution_hours: float = Field(gt=0)
    first_response_clock: Literal["business", "plain"] = "business"


def _default_sla() -> dict[str, SlaTarget]:
    return {
        "general": SlaTarget(first_response_hours=8, resolution_hours=40),
        "important": SlaTarget(first_response_hours=4, resolution_hours=24),
        "major": SlaTarget(
            first_response_hours=2, resolution_hours=16, first_response_clock="plain"
        ),
    }


class Department(_Strict):
    categories: list[str] = Field(default_factory=list)
    #: Supervisors (staff names) who hear of major complaints and escalations here.
    supervisors: list[str] = Field(default_factory=list)


class Agent(_Strict):
    name: str  # the staff account's name
    department: str
    #: Languages the agent answers in; "zh" covers both Chinese scripts.
    languages: list[str] = Field(default_factory=lambda: ["en"])
    #: Categories the agent takes; empty means every category of the department.
    categories: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    capacity: int = Field(default=5, ge=1)

    def speaks(self, language: str) -> bool:
        base = language.split("-")[0]
        return ANY in self.languages or language in self.languages or base in self.languages

    def takes(self, category: str) -> bool:
        return not self.categories or category in self.categories


class Supervisor(_Strict):
    email: str | None = None


class Escalation(_Strict):
    #: Share of a target's time after which a ticket is "at risk" and a supervisor is told.
    at_risk_ratio: float = Field(default=0.8, gt=0, lt=1)
    #: An assigned ticket nobody has answered for this long goes to another agent.
    reassign_after_minutes: float = Field(default=30, gt=0)


class SurveyPolicy(_Strict):
    delay_hours: float = Field(default=24, ge=0, le=72)
    answer_within_days: float = Field(default=7, gt=0)


class SpikeSettings(_Strict):
    baseline_hours: int = Field(default=168, ge=24)
    min_count: int = Field(default=5, ge=1)
    p_value: float = Field(default=0.001, gt=0, lt=1)
    #: Leading characters of an order number that name a batch, warehouse or shop;
    #: 0 turns order-prefix warnings off (many order numbers start with a date).
    order_prefix_length: int = Field(default=0, ge=0, le=20)


class Policy(_Strict):
    calendar: CalendarPolicy = Field(default_factory=CalendarPolicy)
    sla: dict[str, SlaTarget] = Field(default_factory=_default_sla)
    departments: dict[str, Department] = Field(
        default_factory=lambda: {
            name: Department(categories=cats) for name, cats in DEFAULT_DEPARTMENTS.items()
        }
    )
    default_department: str = "customer_service"
    agents: list[Agent] = Field(default_factory=list)
    supervisors: dict[str, Supervisor] = Field(default_factory=dict)
    escalation: Escalation = Field(default_factory=Escalation)
    survey: SurveyPolicy = Field(default_factory=SurveyPolicy)
    spikes: SpikeSettings = Field(default_factory=SpikeSettings)
    #: Product names and how customers write them, for incidence rates and spike warnings.
    products: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("sla")
    @classmethod
    def _every_severity(cls, value: dict[str, SlaTarget]) -> dict[str, SlaTarget]:
        merged = {**_default_sla(), **value}
        unknown = set(merged) - set(SEVERITIES)
        if unknown:
            raise ValueError(f"unknown severities {sorted(unknown)}")
        return merged

    @model_validator(mode="after")
    def _references_exist(self) -> Policy:
        if self.default_department not in self.departments:
            raise ValueError(f"default_department {self.default_department!r} is not defined")
        names = [agent.name for agent in self.agents]
        if len(names) != len(set(names)):
            raise ValueError("an agent is listed twice")
        for agent in self.agents:
            if agent.department not in self.departments:
                raise ValueError(f"agent {agent.name!r}: unknown department {agent.department!r}")
        return self

    def calendar_in(self, zone: str) -> BusinessCalendar:
        return BusinessCalendar.from_config(zone, self.calendar.model_dump())

    def severity_for(self, urgency: str, category: str) -> str:
        severity = SEVERITY_BY_URGENCY.get(urgency, "general")
        if category == "privacy" and severity == "general":
            # A privacy complaint always touches personal data: never the lowest grade.
            return "important"
        return severity

    def department_for(self, category: str) -> str:
        for name, department in self.departments.items():
            if category in department.categories:
                return name
        return self.default_department

    def agents_of(self, department: str) -> list[Agent]:
        return [agent for agent in self.agents if agent.department in (department, ANY)]

    def agent(self, name: str) -> Agent | None:
        return next((agent for agent in self.agents if agent.name == name), None)

    def with_accounts(self, enabled: list[str], disabled: set[str]) -> Policy:
        """The policy as routing uses it: without agents whose account is disabled, plus an
        agent in every department and language for each enabled agent account (`enabled`)
        that it does not list itself."""
        listed = {agent.name for agent in self.agents}
        kept = [agent for agent in self.agents if agent.name not in disabled]
        extra = [
            Agent(name=name, department=ANY, languages=[ANY])
            for name in enabled
            if name not in listed
        ]
        if not extra and len(kept) == len(self.agents):
            return self
        return self.model_copy(update={"agents": [*kept, *extra]})

    def supervisors_of(self, department: str) -> list[str]:
        named = self.departments[department].supervisors if department in self.departments else []
        return named or sorted(self.supervisors)

    def product_in(self, text: str) -> str | None:
        """The catalogue product a complaint's text names, if exactly one."""
        lowered = text.casefold()
        found = {
            product
            for product, aliases in self.products.items()
            if any(alias.casefold() in lowered for alias in [product, *aliases])
        }
        return found.pop() if len(found) == 1 else None


def parse_policy(document: dict[str, Any]) -> Policy:
    """Validates a policy document; raises pydantic's ValidationError naming each problem.

    The calendar is built once here too, so a bad working-hours string is refused up front.
    """
    policy = Policy.model_validate(document)
    policy.calendar_in("UTC")
    return policy
