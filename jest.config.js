// Unit tests of every app and lib (fast, no infrastructure). e2e/ has its own config.
module.exports = {
  projects: ['<rootDir>/apps/*/jest.config.js', '<rootDir>/libs/*/jest.config.js', '<rootDir>/libs/providers/*/jest.config.js'],
};
