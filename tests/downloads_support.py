"""Page tests of made-on-click downloads: Streamlit keeps a download button's callable and runs it on the click;
these helpers keep the callables so a test can call them."""

from streamlit.runtime.media_file_manager import MediaFileManager


def keep_deferred_downloads(monkeypatch) -> dict:
    """{file extension: the callable of the last download button with such a file} for the pages run after it."""
    made = {}
    real_add = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name.rsplit(".", 1)[-1]] = data_callable
        return real_add(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made
