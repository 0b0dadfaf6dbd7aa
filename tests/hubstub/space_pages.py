"""Hub stand-in part: a static Space's site.

On the Hub a static Space is served from its own host (`<ns>-<name>.static.hf.space`), the
committed files as they are; a private one only to people signed in who may read it (the
Space's owner and the members of its organisation, by their session cookie). Here the same
files are served at `/static-spaces/<ns>/<name>/<path>` (a separate origin from the site, as
on the Hub), and a private Space's page needs the reader's token in a `token` cookie,
standing for that session. Nothing is served before the Space is RUNNING.
"""

import mimetypes

from werkzeug.wrappers import Request, Response

from .server import route


class SpacePageRoutes:
    def _space_page_reader_may_see(self, repo, request: Request) -> bool:
        if not repo.private:
            return True
        token = request.cookies.get("token", "")
        if token and token == repo.owner_token:
            return True
        user = self.token_user(token)
        org = self.account(repo.repo_id.split("/")[0])
        return bool(user and org is not None and org.members.get(user.lower()))

    @route("/static-spaces/<ns>/<name>/", methods=["GET"])
    def static_space_index(self, request: Request, ns: str, name: str) -> Response:
        return self.static_space_file(request, ns, name, "index.html")

    @route("/static-spaces/<ns>/<name>/<path:path>", methods=["GET"])
    def static_space_file(self, request: Request, ns: str, name: str, path: str) -> Response:
        repo_id = f"{ns}/{name}"
        with self._lock:
            repo = self.repos.get(("space", repo_id))
            page = repo.files.get(path) if repo is not None else None
            running = repo is not None and self.space(repo_id).stage == "RUNNING"
        if (
            repo is None
            or repo.sdk != "static"
            or not running
            or page is None
            or not self._space_page_reader_may_see(repo, request)
        ):
            return Response("404 Not Found", status=404, mimetype="text/plain")
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Response(page, status=200, mimetype=kind)
