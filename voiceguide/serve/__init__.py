"""Getting built sessions onto a phone: a folder's sessions read safely (:mod:`.folder`),
the podcast feed and its chapters (:mod:`.feed`), what the player shows at each moment
(:mod:`.now`), its pages (:mod:`.pages`), and the HTTP server (:mod:`.files`,
:mod:`.app`, on aiohttp).

Only :mod:`.files` and :mod:`.app` import aiohttp; the feed and the folder need nothing
beyond the standard library, so ``voiceguide feed`` runs without the server.
"""
