"""Participation forms: shape only (lengths, choices, control characters); services check the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from eventapp.core.validators import BoundedNumberRange
from eventapp.participation import text as texts
from eventapp.participation.models import Access, ActivityKind, Moderation, Outcome, PollType


class NoControlCharacters:
    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if field.data and texts.has_control_characters(str(field.data), multiline=self.multiline):
            raise ValidationError(_l("Remove the invisible control characters from your text."))


def _text(label, max_length, *, required=True, multiline=False, **kwargs):
    validators = [DataRequired(_l("Please write something first.")) if required else Optional()]
    validators += [
        Length(max=max_length, message=_l("Please keep it under %(num)d characters.", num=max_length)),
        NoControlCharacters(multiline),
    ]
    field = TextAreaField if multiline else StringField
    return field(label, validators=validators, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IdeaForm(FlaskForm):
    body = _text(_l("Your idea"), texts.IDEA_MAX, multiline=True, render_kw={"maxlength": texts.IDEA_MAX, "rows": 4})


class QuestionForm(FlaskForm):
    body = _text(
        _l("Your question"), texts.QUESTION_MAX, multiline=True, render_kw={"maxlength": texts.QUESTION_MAX, "rows": 3}
    )


_SHORT = {"maxlength": texts.SHORT_ANSWER_MAX, "autocomplete": "off"}


class ShortAnswersForm(FlaskForm):
    """Up to three short answers at once; the page shows as many fields as the participant has answers left."""

    answer_1 = _text(_l("A word or a short phrase"), texts.SHORT_ANSWER_MAX, render_kw=_SHORT)
    answer_2 = _text(_l("Another one (optional)"), texts.SHORT_ANSWER_MAX, required=False, render_kw=_SHORT)
    answer_3 = _text(_l("And another one (optional)"), texts.SHORT_ANSWER_MAX, required=False, render_kw=_SHORT)

    def answers(self) -> list[str]:
        return [field.data or "" for field in (self.answer_1, self.answer_2, self.answer_3)]


SCALE_CHOICES = [SelectChoice(str(v), str(v)) for v in range(1, 6)]


def vote_form(activity, lang: str, formdata=None) -> FlaskForm:
    """The answer form of one poll or feedback survey, with ids unique on a page of several polls."""
    prefix = f"a{activity.id}-"

    class VoteForm(FlaskForm):
        pass

    if activity.kind == ActivityKind.FEEDBACK:
        VoteForm.value = RadioField(
            _l("Your rating (1 = poor, 5 = excellent)"),
            choices=SCALE_CHOICES,
            validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
        )
        VoteForm.text = _text(
            _l("Comment (optional)"),
            texts.COMMENT_MAX,
            required=False,
            multiline=True,
            render_kw={"maxlength": texts.COMMENT_MAX, "rows": 3},
        )
    elif activity.poll_type == PollType.SINGLE:
        VoteForm.choice = RadioField(
            _l("Your answer"), coerce=int, validators=[InputRequired(_l("Choose one of the answers."))]
        )
    elif activity.poll_type == PollType.MULTIPLE:
        VoteForm.choice = MultiCheckboxField(
            _l("Your answers (several possible)"),
            coerce=int,
            validators=[DataRequired(_l("Choose one of the answers."))],
        )
    elif activity.poll_type == PollType.SCALE:
        VoteForm.value = RadioField(
            _l("Your answer (1 = not at all, 5 = absolutely)"),
            choices=SCALE_CHOICES,
            validators=[InputRequired(_l("Choose a value from 1 to 5."))],
        )
    else:
        VoteForm.text = _text(
            _l("A few words"),
            texts.OPEN_ANSWER_MAX,
            render_kw={"maxlength": texts.OPEN_ANSWER_MAX, "autocomplete": "off"},
        )
    form = VoteForm(formdata=formdata, prefix=prefix)
    if hasattr(form, "choice"):
        from eventapp.core.i18n import localized

        form.choice.choices = [SelectChoice(o.id, localized(o, "label", lang).text) for o in activity.options]
    return form


class JoinForm(FlaskForm):
    code = StringField(
        _l("Room code"),
        validators=[DataRequired(_l("Type the code shown in the room.")), Length(max=12), NoControlCharacters()],
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false", "maxlength": 12},
    )


# ---------------------------------------------------------------------------- organiser forms

KIND_CHOICES = [
    SelectChoice(ActivityKind.POLL.value, _l("Live poll")),
    SelectChoice(ActivityKind.QUESTIONS.value, _l("Questions (Q&A)")),
    SelectChoice(ActivityKind.IDEAS.value, _l("Idea board")),
    SelectChoice(ActivityKind.SHORT_ANSWERS.value, _l("Short answers (word cloud)")),
    SelectChoice(ActivityKind.OPINIONS.value, _l("Opinion map (statements to react to)")),
    SelectChoice(ActivityKind.FEEDBACK.value, _l("Feedback survey (attendees)")),
]
POLL_TYPE_CHOICES = [
    SelectChoice(PollType.SINGLE.value, _l("Single choice")),
    SelectChoice(PollType.MULTIPLE.value, _l("Multiple choice")),
    SelectChoice(PollType.SCALE.value, _l("Scale 1 to 5")),
    SelectChoice(PollType.OPEN.value, _l("Short open answer (word list)")),
]
ACCESS_CHOICES = [
    SelectChoice(Access.LINK.value, _l("Anyone with the session link or room code")),
    SelectChoice(Access.REGISTERED.value, _l("Registered participants")),
    SelectChoice(Access.CHECKED_IN.value, _l("Participants checked in at the door")),
]
MODERATION_CHOICES = [
    SelectChoice(Moderation.PRE.value, _l("Pre-moderation: approve before publishing")),
    SelectChoice(Moderation.POST.value, _l("Post-moderation: public at once, hide afterwards")),
]
OUTCOME_CHOICES = [
    SelectChoice(Outcome.ACCEPTED.value, _l("Accepted")),
    SelectChoice(Outcome.STUDIED.value, _l("Being studied")),
    SelectChoice(Outcome.NOT_RETAINED.value, _l("Not retained")),
]


class ActivityForm(FlaskForm):
    kind = SelectField(_l("Activity"), choices=KIND_CHOICES)
    poll_type = SelectField(_l("Type of poll"), choices=POLL_TYPE_CHOICES)
    access = SelectField(_l("Who may take part"), choices=ACCESS_CHOICES)
    moderation = SelectField(_l("Moderation"), choices=MODERATION_CHOICES)
    prompt_fr = _text(_l("Question in French"), 300, required=False)
    prompt_nl = _text(_l("Question in Dutch"), 300, required=False)
    prompt_en = _text(_l("Question in English"), 300, required=False)
    options_fr = _text(_l("Answers in French, one per line"), 2000, required=False, multiline=True)
    options_nl = _text(_l("Answers in Dutch, one per line"), 2000, required=False, multiline=True)
    options_en = _text(_l("Answers in English, one per line"), 2000, required=False, multiline=True)

    def options(self) -> list[dict[str, str]]:
        columns = {lang: (getattr(self, f"options_{lang}").data or "").splitlines() for lang in ("fr", "nl", "en")}
        size = max(len(c) for c in columns.values())
        return [{lang: (columns[lang][i] if i < len(columns[lang]) else "") for lang in columns} for i in range(size)]


class RejectForm(FlaskForm):
    reason = _text(_l("Reason given to the author"), texts.REASON_MAX)


class HideForm(FlaskForm):
    """Hiding needs no reason; one typed in the reject form's field goes to the author too."""

    reason = _text(_l("Reason given to the author"), texts.REASON_MAX, required=False)


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=OUTCOME_CHOICES)
    reason_fr = _text(_l("Reason in French"), 1000, required=False, multiline=True)
    reason_nl = _text(_l("Reason in Dutch"), 1000, required=False, multiline=True)
    reason_en = _text(_l("Reason in English"), 1000, required=False, multiline=True)


class PaperCardForm(FlaskForm):
    body = _text(_l("Text of the paper card"), texts.IDEA_MAX, multiline=True)


class CountForm(FlaskForm):
    count = IntegerField(
        _l("Number of people"),
        validators=[
            InputRequired(_l("Enter a number of people from 1 to 10000.")),
            BoundedNumberRange(1, 10000, message=_l("Enter a number of people from 1 to 10000.")),
        ],
    )
    choice = SelectField(_l("Answer"), choices=[], coerce=str, validate_choice=False)
    text = _text(_l("Words (open answer)"), texts.OPEN_ANSWER_MAX, required=False)
