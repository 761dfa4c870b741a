"""WTForms of the web UI (CSRF through Flask-WTF); labels go through Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.enums import Role


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=8)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new")],
        render_kw={"autocomplete": "new-password"},
    )


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    code = StringField(
        _l("Identifier code"),
        validators=[DataRequired(), Length(max=32)],
        description="000.00.01.H01",
    )
    abbreviation = StringField(_l("Abbreviation"), validators=[DataRequired(), Length(max=32)])
    parent_id = SelectField(_l("Parent organisation"), coerce=int, default=0)


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    abbreviation = StringField(_l("Abbreviation"), validators=[DataRequired(), Length(max=32)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ROLE_CHOICES = [
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
    SelectChoice(Role.CLERK.value, _l("Clerk")),
    SelectChoice(Role.LEADER.value, _l("Leader")),
    SelectChoice(Role.DEPT_HEAD.value, _l("Head of department")),
    SelectChoice(Role.OFFICER.value, _l("Officer")),
]


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=255)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=255)])
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    department_id = SelectField(_l("Department"), coerce=int, default=0)
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password (leave empty to keep the current one)"),
        validators=[Optional(), Length(min=8)],
        render_kw={"autocomplete": "new-password"},
    )


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
