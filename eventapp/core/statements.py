"""The site's legal statements that are not about one domain: the accessibility statement.

Brussels regional bodies must publish one (ordinance of 4 October 2018 transposing Directive (EU)
2016/2102); its structure follows the EU model statement (Commission Implementing Decision (EU)
2018/1523). The privacy notice belongs to registration, which collects the data it describes.
"""

from datetime import date

from flask import Blueprint, current_app, render_template

bp = Blueprint("statements", __name__)


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template(
        "statements/accessibility.html",
        reviewed_on=date.fromisoformat(current_app.config["ACCESSIBILITY_REVIEWED_ON"]),
        contact_email=current_app.config["CONTACT_EMAIL"],
    )
