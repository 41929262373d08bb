"""Who may see which stories, inside the queries that list them."""
