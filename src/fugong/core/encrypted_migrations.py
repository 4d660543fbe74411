"""Data migrations that encrypt phone columns already holding clear numbers, and decrypt them back.

Used by the migrations that turn a ``CharField`` into ``core.fields.EncryptedCharField`` (workforce,
operations, enterprises, accounts). They work in SQL, row by row in batches of ``BATCH`` ordered by the
primary key, so that neither the field classes' conversions nor a million model instances are involved:
forward, every clear value becomes a Fernet token and each blind index named is filled from the clear
number; a value that already is a token is left alone, so a migration that stopped half-way can simply
run again. Backward, every token becomes the clear number again (the column is then narrowed back to
``varchar(20)`` by the reversed ``AlterField``, and the index column dropped) — the migrations are
reversible for as long as the key (``FIELD_ENCRYPTION_KEY`` or ``SECRET_KEY``) is the one that wrote
the tokens.
"""

from fugong.core import crypto

BATCH = 2000


def _rows(connection, table: str, pk: str, columns: list[str]):
    quote = connection.ops.quote_name
    selected = ", ".join(quote(c) for c in [pk, *columns])
    last = None
    with connection.cursor() as cursor:
        while True:
            where = f" WHERE {quote(pk)} > %s" if last is not None else ""
            cursor.execute(
                f"SELECT {selected} FROM {quote(table)}{where} ORDER BY {quote(pk)} LIMIT {BATCH}",
                [last] if last is not None else [],
            )
            batch = cursor.fetchall()
            if not batch:
                return
            yield batch
            last = batch[-1][0]


def _update(connection, table: str, pk: str, columns: list[str], params: list[list]) -> None:
    if not params:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)} = %s", params)


def encrypt_phones(
    app_label: str, model_name: str, columns: list[str], indexes: dict[str, str] | None = None
):
    """A ``RunPython`` forward function: encrypt ``columns`` of the model; ``indexes`` maps an index column
    to the phone column it is the blind index of."""
    indexes = indexes or {}

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        table, pk = model._meta.db_table, model._meta.pk.column
        targets = [*columns, *indexes]
        for batch in _rows(connection, table, pk, columns):
            params = []
            for pk_value, *values in batch:
                clear = dict(zip(columns, values, strict=True))
                for name, value in clear.items():
                    if value and crypto.is_token(value):
                        clear[name] = crypto.decrypt(value)  # already done: only recompute the index
                stored = [
                    crypto.encrypt(clear[c]) if clear[c] and not crypto.is_token(v) else v
                    for c, v in zip(columns, values, strict=True)
                ]
                if not indexes and stored == list(values):
                    continue  # no phone, or already encrypted
                params.append([*stored, *(crypto.phone_index(clear[s]) for s in indexes.values()), pk_value])
            _update(connection, table, pk, targets, params)

    return forward


def decrypt_phones(app_label: str, model_name: str, columns: list[str]):
    """The ``RunPython`` backward function of ``encrypt_phones``: the clear numbers back in ``columns``."""

    def backward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        table, pk = model._meta.db_table, model._meta.pk.column
        for batch in _rows(connection, table, pk, columns):
            params = [
                [crypto.decrypt(v) if v and crypto.is_token(v) else v for v in values] + [pk_value]
                for pk_value, *values in batch
                if any(v and crypto.is_token(v) for v in values)
            ]
            _update(connection, table, pk, columns, params)

    return backward
