"""The assistant: a LangGraph agent over the tenant's engineering data.

- ``sqlguard`` / ``sql_tool``: the read-only SQL tool and its gates;
- ``links`` / ``tools``: the tools the model may call, each returning a
  summary, data and the citations (source URLs) of the rows it used;
  ``toolkit``: what a tool is made of (context, argument models);
  ``dora_tools``, ``lookups``, ``open_incidents``, ``open_prs``,
  ``rankings``, ``work_items``: the tools;
  ``reviews``: the review-time and review-load tools, and ``flow``: the
  engineering flow (pickup, review, coding, throughput against the previous
  period), on the engineering dashboard's own statement; ``narrowing``: the
  repository and author a tool's PRs are narrowed to;
- ``graph``: plan → tools → answer with a step limit (LLM mode);
- ``local``: intent classification by embeddings (``classifier`` over
  ``intents``' table, each an ``intent.Intent``: the delivery ones in
  ``delivery_intents``, the pull-request and review ones in
  ``review_intents``, with the words some intents need, ``intent_words``)
  and templated answers (``answers``) from the same tools when no provider
  answers (local mode);
- ``memory``: feedback into ``ai_learning_memory`` and its reuse;
- ``conversations``: conversation state in the tenant's Redis prefix;
- ``service``: one question → a stream of ``AgentEvent``.
"""
