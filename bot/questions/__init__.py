"""The questions people ask the knowledge base, and the entry each one opened: the team's own labelled questions.

Every question `kb` answers is kept (with token-shaped secrets masked) along with the entries its reply offered.
A click on one of those entries, or on "None of these", is the asker's (or a teammate's) verdict. `aksbot kb asked`
shows what was asked and where the search and the people disagreed, and exports the questions with a verdict as a
labelled file that `aksbot kb eval --questions FILE` measures, after a person has reviewed it.

- `model`: what is kept, the label a question's picks give, and the `QuestionLog` port handlers use;
- `store`: `SqlQuestionLog`, tables of their own in the approval store's database (SQLite or PostgreSQL);
- `cli`: `aksbot kb asked`.
"""
