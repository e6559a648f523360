// Run once by the official mongo image's entrypoint, on the first start with an empty data
// volume, as the root user in MONGO_INITDB_DATABASE: the products service's own account,
// allowed to read and write its own database only. The password comes from the environment
// (a Secret), never from this file.
db.createUser({
  user: process.env.MONGO_APP_USERNAME,
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [{ role: "readWrite", db: db.getName() }],
});
