"""Exchange between levels (上报与下发) by file: no network, a USB stick or an e-mail.

A township or county sends its figures upward in a signed *sync file* (交换文件); the city sends
its catalogue and targets downward in a signed *catalogue update file* (目录更新文件). The format
is described in docs/sync-format.md; its JSON Schema is resources/sync/sync-format.schema.json.

- :mod:`db.sync.keys` — this installation's Ed25519 key, registration files, registered keys;
- :mod:`db.sync.format` — the container, the manifest, limits, the streaming JSON reader;
- :mod:`db.sync.export` — writing a sync file (:func:`~db.sync.export.export_sync_file`);
- :mod:`db.sync.import_` — checking, previewing and applying one
  (:func:`~db.sync.import_.import_sync_file`), in steps: :mod:`db.sync.trust` (signature,
  the units a file may speak for), :mod:`db.sync.reading` (the record stream, the spool),
  :mod:`db.sync.compare` (checks and comparison), :mod:`db.sync.preview` (the preview, a plain
  record), :mod:`db.sync.apply` (backup and the one transaction);
- :mod:`db.sync.dhis2` — DHIS2 dataValueSet JSON files that use codes as identifiers;
- :mod:`db.sync.catalogue_update` — publishing and importing catalogue updates.

Glossary: sync file 交换文件 · manifest 清单 · signature 签名 · fingerprint 指纹 ·
registration file 登记文件 · conflict 冲突 · catalogue update 目录更新.
"""
