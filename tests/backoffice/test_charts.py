from eventapp.backoffice.charts import LABEL_CHARS, bar_chart


def test_long_labels_are_shortened_to_fit_left_of_the_bars():
    svg = str(bar_chart("c", "Reach", [("Woluwe-Saint-Lambert / Sint-Lambrechts-Woluwe", 3), ("Jette", 1)]))
    assert "Woluwe-Saint-Lambert / Sint-L…" in svg and len("Woluwe-Saint-Lambert / Sint-L…") == LABEL_CHARS
    assert ">Jette<" in svg


def test_labels_are_escaped():
    assert "<script>" not in str(bar_chart("c", "t", [("<script>", 1)]))
