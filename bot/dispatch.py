"""Dispatch: a request in, an answer out — read the command (parse what was typed, or take the reference a
button carried) → authorize → run a read command, or hand a disruptive one to the approval workflow → reply
through the surface's responder.

Every request gets a correlation id, held in the request context so every log line written while it is handled
prints it, and exactly one structured log line (who, what, cluster, risk, outcome, milliseconds). Every failure
becomes a clear answer: the project's errors know their own outcome and how they read (`bot.errors`); anything
unexpected is logged with its traceback and the user sees "internal error (ref …)", never the traceback.

This module never runs a disruptive handler itself: only the approval workflow does, after approval.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from bot.blocks import Context, Level, Notice, View
from bot.cluster.reads import observe_reads
from bot.deadline import COMMAND_BOUND_S, within
from bot.deps import Deps
from bot.errors import AksbotError, NeedsInput, NotAuthorized, NotConfigured, UserError
from bot.groups import GroupDirectory, NoGroups
from bot.i18n import APPROVAL, ERRORS, Lang, said
from bot.logs import request_context
from bot.parser import ParsedCommand, Parser, detect_lang
from bot.registry import REGISTRY, Call, Caller, ClusterCall, CommandSpec, Registry, Risk, Scope
from bot.settings import role_name
from bot.surface import Asker, Incoming, InputKind, Reply, Responder, Visibility

log = logging.getLogger("aksbot.command")


@dataclass(frozen=True)
class Outcome:
    """What happened, for logs and tests: `ok`, `requested`, `user_error`, `denied`, `failed`, `error`."""

    status: str
    command: str | None
    correlation_id: str
    view: View


Observer = Callable[[Incoming, Outcome], None]


def new_correlation_id() -> str:
    return secrets.token_hex(4)


@dataclass
class _Request:
    """One request as it is handled: what the log line and the reply need to know, filled in as it goes."""

    incoming: Incoming
    correlation_id: str = field(default_factory=new_correlation_id)
    started: float = field(default_factory=time.monotonic)
    command: str | None = None
    cluster: str | None = None
    risk: str = "-"
    # The asker's: a click's message, else what was typed (a line with no Chinese in it typed in the channel of an
    # incident declared in Chinese: Chinese, `Dispatcher._channel_speaks`); its errors are said in it.
    lang: Lang = "en"

    def __post_init__(self) -> None:
        clicked = self.incoming.kind is InputKind.CLICK
        self.lang = self.incoming.lang if clicked else detect_lang(self.incoming.text)


class Dispatcher:
    def __init__(
        self,
        deps: Deps,
        *,
        registry: Registry = REGISTRY,
        groups: GroupDirectory | None = None,
        observers: Sequence[Observer] = (),
        command_bound: float = COMMAND_BOUND_S,
    ) -> None:
        """`observers` are called after each request with what came in and how it ended (the incident timeline
        records diagnoses run in its channel); one that fails is logged and never fails the request.
        `command_bound` is the time one read command may take in all (`bot.deadline`)."""
        self.deps = deps
        self.command_bound = command_bound
        self.registry = registry
        self.parser = Parser(registry, deps.settings.cluster_names())
        self.groups = groups or NoGroups()
        self.observers = tuple(observers)

    # -- the one entry point -------------------------------------------------------------------------------
    def handle(self, incoming: Incoming, responder: Responder) -> Outcome:
        outcome = self._respond(incoming, responder)
        with request_context(outcome.correlation_id):
            for observe in self.observers:
                try:
                    observe(incoming, outcome)
                except Exception:
                    log.warning("an observer failed after %s", outcome.command or "a request", exc_info=True)
        return outcome

    def _respond(self, incoming: Incoming, responder: Responder) -> Outcome:
        request = _Request(incoming)
        with request_context(request.correlation_id):
            try:
                return self._handle(request, responder)
            except NeedsInput as exc:
                clicked = request.incoming.ref
                if clicked is not None and isinstance(responder, Asker) and responder.ask(clicked, exc.param):
                    self._log(request, exc.outcome)
                    return Outcome(exc.outcome, request.command, request.correlation_id, exc.view(request.lang))
                return self._answer(request, responder, exc.outcome, exc.view(request.lang), Visibility.EPHEMERAL)
            except AksbotError as exc:
                return self._answer(request, responder, exc.outcome, exc.view(request.lang), Visibility.EPHEMERAL)
            except Exception:
                log.exception("internal error in %s", request.command or "a request")
                text = ERRORS.internal(request.lang, ref=request.correlation_id)
                view = View("internal error", (Notice(text, Level.ERROR),))
                return self._answer(request, responder, "error", view, Visibility.EPHEMERAL)

    def _handle(self, request: _Request, responder: Responder) -> Outcome:
        spoken = self._channel_speaks(request)
        request.lang = spoken or request.lang  # before the line is read: a mistyped one is answered in it too
        parsed = self._command(request.incoming)
        if spoken is not None and parsed.lang != spoken:
            parsed = dataclasses.replace(parsed, lang=spoken)
        request.lang = parsed.lang
        spec = parsed.spec
        request.command, request.risk = spec.name, spec.risk.value
        caller = Caller(request.incoming.user, self.groups.groups_of(request.incoming.user))
        request.cluster = self._resolve_cluster(parsed, request.incoming)
        self._authorize(spec, caller, request.cluster)
        call = self._call(parsed, caller, request)
        if spec.risk is Risk.DISRUPTIVE:
            assert isinstance(call, ClusterCall)  # the registry lets only cluster-scoped commands be disruptive
            return self._request_approval(call, spec, request, responder)
        with observe_reads() as reads, within(self.command_bound):
            view = spec.handler(call, self.deps).view()
        view = reads.told(view, call.lang)
        if parsed.aside is not None:
            view = dataclasses.replace(view, blocks=(*view.blocks, Context(parsed.aside)))
        visibility = Visibility.EPHEMERAL if view.private else Visibility.CHANNEL
        return self._answer(request, responder, "ok", view, visibility)

    # -- steps ---------------------------------------------------------------------------------------------
    def _channel_speaks(self, request: _Request) -> Lang | None:
        """The language of the channel a line with no Chinese in it was typed in, when the channel has one: an
        incident's channel speaks the language the incident was declared in, and its responders type commands in
        Latin letters. A click keeps its message's language; a line with Chinese in it is answered in Chinese."""
        incoming = request.incoming
        if incoming.kind is InputKind.CLICK or request.lang != "en":
            return None
        return self.deps.channel_lang(incoming.channel)

    def _command(self, incoming: Incoming) -> ParsedCommand:
        """What to run: the clicked reference as it is, or what the typed text says (a question goes to `kb`)."""
        ref = incoming.ref
        if ref is not None:
            spec = self.registry.get(ref.command)
            if spec is None or spec.name != ref.command or not isinstance(ref.args, spec.args):
                raise UserError(said(ERRORS.button_gone, command=ref.command))
            return ParsedCommand(spec, ref, ref.text(), incoming.lang)
        parsed = self.parser.parse(incoming.text, incoming.kind)
        if isinstance(parsed, ParsedCommand):
            return parsed
        question = self.parser.question(parsed) if self.deps.knowledge is not None else None
        if question is None:
            raise _NoKnowledgeBase()
        return question

    def _resolve_cluster(self, parsed: ParsedCommand, incoming: Incoming) -> str | None:
        spec = parsed.spec
        settings = self.deps.settings
        names = settings.cluster_names()
        if spec.scope is Scope.NONE:
            # A command about no one cluster may still filter by one (`approvals --cluster prod`): a misspelt name
            # would list nothing and read as "nothing is waiting".
            wanted = getattr(parsed.ref.args, "cluster", None)
            if isinstance(wanted, str) and wanted not in names:
                _unknown_cluster(wanted, names, spec.usage())
            return None
        asked = parsed.ref.cluster
        if asked is not None:
            if asked not in names:
                _unknown_cluster(asked, names, spec.usage())
            return asked
        if not names:
            raise NotConfigured(
                "No cluster is configured. Start `aksbot demo` for a sandbox cluster, or add `clusters:` to the "
                "configuration file (see the README's Configuration section)."
            )
        channel = self.deps.channel_cluster(incoming.channel)
        if channel is not None:
            return channel
        implied = settings.implied_cluster()
        if implied is not None:
            return implied
        raise UserError(said(ERRORS.which_cluster, names=", ".join(names)), spec.usage())

    def _authorize(self, spec: CommandSpec, caller: Caller, cluster: str | None) -> None:
        if spec.requires is None:
            return
        role = self.deps.settings.role_of(caller.id, caller.groups, cluster)
        if role is None or role < spec.requires:
            where = said(ERRORS.on_cluster, cluster=cluster) if cluster else ""
            needs = role_name(spec.requires)
            have = role_name(role) if role is not None else said(ERRORS.no_role)
            raise NotAuthorized(said(ERRORS.may_not_run, command=spec.name, where=where, needs=needs, have=have))

    def _call(self, parsed: ParsedCommand, caller: Caller, request: _Request) -> Call[Any]:
        common: dict[str, Any] = {
            "command": parsed.spec.name,
            "args": parsed.args,
            "caller": caller,
            "correlation_id": request.correlation_id,
            "text": parsed.text,
            "lang": parsed.lang,
            "channel": request.incoming.channel,
            "anchor": request.incoming.anchor,
        }
        if request.cluster is None:
            return Call(**common)
        namespace = parsed.ref.namespace
        if namespace is None:
            c = self.deps.settings.cluster(request.cluster)
            namespace = c.default_namespace if c else "default"
        return ClusterCall(
            **common, cluster=request.cluster, namespace=namespace, all_namespaces=parsed.ref.all_namespaces
        )

    def _request_approval(
        self, call: ClusterCall[Any], spec: CommandSpec, request: _Request, responder: Responder
    ) -> Outcome:
        approvals = self.deps.approvals
        if approvals is None:
            raise NotConfigured(
                f"`{spec.name}` changes the cluster and must be approved first, but the approval "
                "workflow is not configured, so it was not run."
            )
        card = approvals.request(call, spec)
        view = card.view()
        ref = responder.send(Reply(view, Visibility.CHANNEL, request.incoming.anchor))
        if ref is None:
            # The card reached nobody (the responder told the asker why): nobody could act on it, so it is failed
            # at once rather than left pending to expire unseen.
            approvals.card_failed(card.request_id, said(APPROVAL.card_not_shown))
            self._log(request, "failed")
            return Outcome("failed", spec.name, request.correlation_id, view)
        approvals.card_posted(card.request_id, ref)
        self._log(request, "requested")
        return Outcome("requested", spec.name, request.correlation_id, view)

    def _answer(
        self, request: _Request, responder: Responder, status: str, view: View, visibility: Visibility
    ) -> Outcome:
        kind = request.incoming.kind
        if kind is InputKind.MENTION:
            visibility = Visibility.THREAD
        elif kind is InputKind.MESSAGE:
            visibility = Visibility.CHANNEL
        responder.send(Reply(view, visibility, request.incoming.anchor))
        self._log(request, status)
        return Outcome(status, request.command, request.correlation_id, view)

    def _log(self, request: _Request, status: str) -> None:
        incoming = request.incoming
        record = {
            "event": "command",
            "correlation_id": request.correlation_id,
            "user": incoming.user,
            "input": incoming.kind.value,
            "channel": incoming.channel,
            "command": request.command,
            "cluster": request.cluster,
            "risk": request.risk,
            "outcome": status,
            "ms": round((time.monotonic() - request.started) * 1000, 1),
        }
        log.info(json.dumps(record, ensure_ascii=False))


class _NoKnowledgeBase(UserError):
    level = Level.INFO

    def __init__(self) -> None:
        super().__init__(
            "That does not look like a command, and no knowledge base is loaded to answer questions. "
            "Try `/k8s help` for the commands."
        )


def _unknown_cluster(asked: str, names: list[str], usage: str) -> NoReturn:
    known = ", ".join(names) if names else said(ERRORS.no_cluster_configured)
    raise UserError(said(ERRORS.unknown_cluster, asked=asked, known=known), usage)
