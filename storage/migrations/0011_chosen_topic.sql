-- The topic a person chose among the bot's "did you mean" choices: a suggestion staff confirm with /learn.
ALTER TABLE unresolved_questions ADD COLUMN chosen_faq TEXT;
